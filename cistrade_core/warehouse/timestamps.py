"""The warehouse's time boundary: aware UTC in the library, naive UTC in the tables.

Every engine calls :func:`to_storage` on the parameters and row values it writes
and :func:`from_storage` on the rows it reads, and nowhere else converts. The
conversion is done in Python before binding: DuckDB would otherwise cast a
``TIMESTAMPTZ`` parameter to ``TIMESTAMP`` through its session time zone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from cistrade_core.clock import as_utc, naive_utc


def stored(value: Any) -> Any:
    """One value as the warehouse stores it (aware datetimes as naive UTC)."""
    return naive_utc(value) if isinstance(value, datetime) else value


def to_storage(params: Any) -> Any:
    """Statement parameters (a sequence or a mapping) or a row, ready to bind."""
    if isinstance(params, Mapping):
        return {k: stored(v) for k, v in params.items()}
    if isinstance(params, Sequence) and not isinstance(params, (str, bytes)):
        return [stored(v) for v in params]
    return stored(params)


def rows_to_storage(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Rows to write, their timestamps as naive UTC."""
    return [{k: stored(v) for k, v in row.items()} for row in rows]


def from_storage(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows read from the warehouse, their timestamps aware UTC."""
    for row in rows:
        for key, value in row.items():
            if isinstance(value, datetime):
                row[key] = as_utc(value)
    return rows
