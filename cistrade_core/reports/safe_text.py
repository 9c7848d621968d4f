"""Text made inert before it goes into a report file.

Report cells carry business text (portfolio names, reasons, descriptions) that
anybody with a login may have typed. Two things about such text are dangerous in
a file opened by somebody else:

* **Spreadsheet formulas** (CSV and XLSX): a cell starting with ``=``, ``+``,
  ``-``, ``@``, a tab or a carriage return is taken as a formula by Excel,
  LibreOffice and Google Sheets (OWASP "CSV Injection"), and so are their
  full-width forms (``＝ ＋ － ＠``), which some spreadsheet locales fold to ASCII.
  Such a text cell gets a leading apostrophe, as OWASP recommends: it shows the
  text as typed and is never evaluated.
* **Bidirectional controls and other control characters** (every format): the
  bidi overrides and isolates (U+202A..U+202E, U+2066..U+2069) and the marks
  (U+200E, U+200F, U+061C) reorder what a reader sees, so a row can be made to
  say something else; C0/C1 control characters are invisible or break the file
  (XLSX refuses them). Each is replaced by U+FFFD, visibly.

Only text values are touched: numbers, dates and booleans are written typed.
"""

from __future__ import annotations

import re

#: First characters that make a spreadsheet cell a formula (OWASP, plus full-width forms).
FORMULA_PREFIXES = frozenset("=+-@\t\r\uff1d\uff0b\uff0d\uff20")

BIDI_CONTROLS = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
REPLACEMENT = "\ufffd"

#: Bidi controls, and control characters other than tab, line feed and carriage return.
_UNSAFE = re.compile(f"[{BIDI_CONTROLS}\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_UNSAFE_ALL = re.compile(f"[{BIDI_CONTROLS}\x00-\x1f\x7f-\x9f]")


def inert(text: str, *, keep_line_breaks: bool = False) -> str:
    """``text`` with bidi controls and control characters replaced by U+FFFD.

    Tab, line feed and carriage return stay only with ``keep_line_breaks``.
    """
    pattern = _UNSAFE if keep_line_breaks else _UNSAFE_ALL
    return pattern.sub(REPLACEMENT, text)


def not_a_formula(text: str) -> str:
    """``text`` with a leading apostrophe when a spreadsheet would take it as a formula."""
    return "'" + text if text and text[0] in FORMULA_PREFIXES else text


def spreadsheet_text(text: str) -> str:
    """A text cell for CSV or XLSX: inert, and never a formula."""
    return not_a_formula(inert(text, keep_line_breaks=True))
