"""Limits and character rules of free text: one place, used by acl, portfolio and udf.

Every free-text input has a maximum length and refuses characters that could hide or
rewrite what a person reads:

- control characters (Unicode category Cc: NUL, ESC, DEL, the C1 controls ...),
  except tab and line feed in multi-line fields (descriptions, reasons);
- bidirectional controls (U+061C, U+200E, U+200F, U+202A to U+202E, U+2066 to
  U+2069), which reorder what is shown;
- line and paragraph separators (U+2028, U+2029) and lone surrogates.

| field | at most (characters) | lines |
| --- | --- | --- |
| login | 64 (also: lower-case letters, digits, ``._-``) | one |
| e-mail address | 254 | one |
| user, group, portfolio name; UDF label | 200 | one |
| owner, desk | 100 | one |
| group or portfolio description | 2000 | several |
| rejection or deactivation reason | 2000 | several |
| UDF string value, enumeration value, default | 4000 / 200 / 4000 | one |

Errors name the field and what was expected (:func:`check_text`). On output the
command line shows text through :func:`printable`, so text stored before these rules
(or from another writer) can't drive a terminal either.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
                          "\u2066\u2067\u2068\u2069")
SEPARATORS = frozenset("\u2028\u2029")
MULTILINE_ALLOWED = frozenset("\n\t")


@dataclass(frozen=True)
class TextRule:
    max_len: int
    multiline: bool = False


LOGIN = TextRule(64)
EMAIL = TextRule(254)
NAME = TextRule(200)
SHORT_NAME = TextRule(100)
DESCRIPTION = TextRule(2000, multiline=True)
REASON = TextRule(2000, multiline=True)
UDF_STRING = TextRule(4000)
UDF_ENUM_VALUE = TextRule(200)


def unsafe_char(text: str, multiline: bool = False) -> tuple[int, str] | None:
    """The first character the rules refuse, with its position (0-based), or None."""
    for i, c in enumerate(text):
        if multiline and c in MULTILINE_ALLOWED:
            continue
        if c in BIDI_CONTROLS or c in SEPARATORS:
            return i, c
        category = unicodedata.category(c)
        if category in ("Cc", "Cs"):
            return i, c
    return None


def describe_char(c: str) -> str:
    name = unicodedata.name(c, "")
    return f"U+{ord(c):04X}" + (f" ({name})" if name else "")


def text_problem(field: str, text: str, rule: TextRule) -> str | None:
    """What is wrong with ``text`` as ``field``, or None."""
    if len(text) > rule.max_len:
        return f"{field} is {len(text):,} characters long: at most {rule.max_len:,} allowed"
    bad = unsafe_char(text, rule.multiline)
    if bad is not None:
        allowed = " (tab and line feed are allowed)" if rule.multiline else ""
        return (f"{field} must not contain the control character {describe_char(bad[1])} "
                f"(position {bad[0] + 1}){allowed}")
    return None


def check_text(field: str, value: object, rule: TextRule, *, required: bool = True) -> str | None:
    """``value`` stripped, or ``ValueError`` naming ``field`` and what was expected.

    ``None`` or blank gives None when not ``required``.
    """
    text = "" if value is None else str(value).strip()
    if not text:
        if required:
            raise ValueError(f"{field} must not be empty")
        return None
    problem = text_problem(field, text, rule)
    if problem:
        raise ValueError(problem)
    return text


def printable(text: object, multiline: bool = False) -> str:
    """``text`` with every refused character shown as an escape (``\\x1b``, ``\\u202e``)."""
    s = str(text)
    if unsafe_char(s, multiline) is None:
        return s
    out = []
    for c in s:
        if (multiline and c in MULTILINE_ALLOWED) or unsafe_char(c) is None:
            out.append(c)
        elif ord(c) < 0x100:
            out.append(f"\\x{ord(c):02x}")
        else:
            out.append(f"\\u{ord(c):04x}")
    return "".join(out)
