"""Typing the rows PyHive and impyla return: dates, timestamps and decimals arrive as text."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any


def _convert(type_code: Any, value: Any) -> Any:
    """Values the drivers return as text, typed by the column type of the result."""
    if value is None or not isinstance(value, str):
        return value
    kind = str(type_code).upper().removesuffix("_TYPE")
    if kind == "DATE":
        return date.fromisoformat(value[:10])
    if kind == "TIMESTAMP":
        return datetime.fromisoformat(value)
    if kind == "DECIMAL":
        return Decimal(value)
    return value


def fetch_rows(cursor: Any) -> list[dict[str, Any]]:
    """All rows of the last query as dicts; ``table.column`` names become ``column``."""
    description = cursor.description or []
    names = [str(d[0]).rsplit(".", 1)[-1] for d in description]
    types = [d[1] for d in description]
    return [
        {name: _convert(t, v) for name, t, v in zip(names, types, row, strict=True)}
        for row in cursor.fetchall()
    ]
