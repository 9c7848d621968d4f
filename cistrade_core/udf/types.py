"""UDF data types and turning raw text into a value's canonical text."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum

MAX_STRING = 4000
_INT_RE = re.compile(r"^[+-]?[0-9]+$")
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


def canonical(data_type: DataType, raw: object, allowed: Sequence[str] = ()) -> str:
    """The stored text of ``raw`` as ``data_type``; ``ValueError`` says what is wrong."""
    text = str(raw).strip() if not isinstance(raw, bool) else ("true" if raw else "false")
    if data_type is DataType.STRING:
        if len(text) > MAX_STRING:
            raise ValueError(f"is longer than {MAX_STRING} characters")
        return text
    if data_type is DataType.INTEGER:
        if not _INT_RE.match(text):
            raise ValueError(f"{text!r} is not a whole number")
        return str(int(text))
    if data_type is DataType.DECIMAL:
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise ValueError(f"{text!r} is not a decimal number") from None
        if not value.is_finite():
            raise ValueError(f"{text!r} is not a finite number")
        out = format(value.normalize(), "f")
        return "0" if out in {"-0", "0"} else out
    if data_type is DataType.DATE:
        try:
            if len(text) != 10:
                raise ValueError
            return date.fromisoformat(text).isoformat()
        except ValueError:
            raise ValueError(f"{text!r} is not a date (YYYY-MM-DD)") from None
    if data_type is DataType.BOOLEAN:
        if text.lower() in _TRUE:
            return "true"
        if text.lower() in _FALSE:
            return "false"
        raise ValueError(f"{text!r} is not true or false")
    if data_type is DataType.ENUM:
        if text not in allowed:
            raise ValueError(f"{text!r} is not one of {', '.join(allowed)}")
        return text
    raise ValueError(f"unsupported type {data_type}")
