"""UDF data types and turning raw text into a value's canonical text.

Limits: a string at most 4000 characters under the free-text rules of
:mod:`cistrade_core.text_rules`; an integer fits a signed 64-bit number; a decimal is
plain ASCII (``-12.5``, ``1.5e3``), below 10^38 in magnitude with at most 18 decimal
places and 38 digits; a date is ``YYYY-MM-DD``. Every rejection is a ``ValueError``
saying what was expected.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from decimal import Decimal, localcontext
from enum import StrEnum

from cistrade_core.text_rules import UDF_STRING, printable, text_problem

MAX_STRING = UDF_STRING.max_len
MAX_NUMBER_TEXT = 64
INT_MIN, INT_MAX = -(2**63), 2**63 - 1
DECIMAL_MAX_DIGITS, DECIMAL_MAX_PLACES, DECIMAL_MAX_ADJUSTED = 38, 18, 37
_INT_RE = re.compile(r"^[+-]?[0-9]{1,20}$")
_DECIMAL_RE = re.compile(r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]{1,9})?$")
_TRUE = {"true", "t", "yes", "y", "1"}
_FALSE = {"false", "f", "no", "n", "0"}


class DataType(StrEnum):
    STRING = "STRING"
    INTEGER = "INTEGER"
    DECIMAL = "DECIMAL"
    DATE = "DATE"
    BOOLEAN = "BOOLEAN"
    ENUM = "ENUM"

    @classmethod
    def parse(cls, text: str) -> DataType:
        key = text.strip().upper()
        key = {"ENUMERATION": "ENUM", "BOOL": "BOOLEAN", "INT": "INTEGER", "TEXT": "STRING",
               "NUMBER": "DECIMAL"}.get(key, key)
        try:
            return cls(key)
        except ValueError:
            raise ValueError(
                f"unknown UDF type {text!r}; use one of {', '.join(t.lower() for t in cls)}"
            ) from None


def _quoted(text: str, limit: int = 40) -> str:
    """``text`` for an error message: quoted, cut, control characters escaped."""
    shown = printable(text[:limit]) + ("..." if len(text) > limit else "")
    return f"'{shown}'"


def _decimal(text: str) -> str:
    expected = (f"expected a decimal number such as -12.5 or 1.5e3, below 1e38, with at most "
                f"{DECIMAL_MAX_PLACES} decimal places and {DECIMAL_MAX_DIGITS} digits")
    if len(text) > MAX_NUMBER_TEXT or not _DECIMAL_RE.fullmatch(text):
        raise ValueError(f"{_quoted(text)} is not a decimal number: {expected}")
    try:
        with localcontext() as ctx:  # exact: no rounding of what a user typed
            ctx.prec, ctx.Emax, ctx.Emin = 2 * MAX_NUMBER_TEXT, 10**10, -(10**10)
            return _bounded_decimal(text, Decimal(text), expected)
    except ArithmeticError:  # decimal's Overflow, InvalidOperation, ...
        raise ValueError(f"{_quoted(text)} is not a decimal number: {expected}") from None


def _bounded_decimal(text: str, value: Decimal, expected: str) -> str:
    if value.is_zero():
        return "0"
    if value.adjusted() > DECIMAL_MAX_ADJUSTED:
        raise ValueError(f"{_quoted(text)} is too large: {expected}")
    if value.adjusted() < -DECIMAL_MAX_PLACES:
        raise ValueError(f"{_quoted(text)} has too many decimal places: {expected}")
    stripped = value.normalize()
    if -stripped.as_tuple().exponent > DECIMAL_MAX_PLACES:
        raise ValueError(f"{_quoted(text)} has too many decimal places: {expected}")
    if len(stripped.as_tuple().digits) > DECIMAL_MAX_DIGITS:
        raise ValueError(f"{_quoted(text)} has too many digits: {expected}")
    return format(stripped, "f")


def canonical(data_type: DataType, raw: object, allowed: Sequence[str] = ()) -> str:
    """The stored text of ``raw`` as ``data_type``; ``ValueError`` says what is wrong."""
    text = str(raw).strip() if not isinstance(raw, bool) else ("true" if raw else "false")
    if data_type is DataType.STRING:
        problem = text_problem("the text", text, UDF_STRING)
        if problem:
            raise ValueError(f"{problem}: expected one line of at most {MAX_STRING} "
                             "printable characters")
        return text
    if data_type is DataType.INTEGER:
        if not _INT_RE.fullmatch(text) or not INT_MIN <= int(text) <= INT_MAX:
            raise ValueError(f"{_quoted(text)} is not a whole number: expected digits with an "
                             f"optional sign, from {INT_MIN} to {INT_MAX}")
        return str(int(text))
    if data_type is DataType.DECIMAL:
        return _decimal(text)
    if data_type is DataType.DATE:
        try:
            if len(text) != 10 or not text.isascii():
                raise ValueError
            return date.fromisoformat(text).isoformat()
        except ValueError:
            raise ValueError(f"{_quoted(text)} is not a date: expected YYYY-MM-DD") from None
    if data_type is DataType.BOOLEAN:
        if text.lower() in _TRUE:
            return "true"
        if text.lower() in _FALSE:
            return "false"
        raise ValueError(f"{_quoted(text)} is not true or false: expected one of "
                         f"{', '.join(sorted(_TRUE | _FALSE))}")
    if data_type is DataType.ENUM:
        if text not in allowed:
            choices = printable(", ".join(allowed))
            raise ValueError(f"{_quoted(text)} is not allowed: expected one of "
                             f"{choices[:300]}{'...' if len(choices) > 300 else ''}")
        return text
    raise ValueError(f"unsupported type {data_type}: expected one of "
                     f"{', '.join(t.lower() for t in DataType)}")
