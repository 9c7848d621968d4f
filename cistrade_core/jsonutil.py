"""Stable JSON for the text columns (audit before/after, history, pending changes)."""

from __future__ import annotations

import json
from dataclasses import asdict, is_dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from cistrade_core.clock import naive_utc


def _default(value: Any) -> Any:
    if isinstance(value, datetime):  # as stored: naive UTC
        return naive_utc(value).isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    if is_dataclass(value) and not isinstance(value, type):
        return asdict(value)
    if isinstance(value, (set, frozenset, tuple)):
        return sorted(value) if isinstance(value, (set, frozenset)) else list(value)
    raise TypeError(f"cannot store {type(value).__name__} as JSON")


def dumps(value: Any) -> str | None:
    """Compact JSON with sorted keys; ``None`` stays ``None`` (SQL NULL)."""
    if value is None:
        return None
    return json.dumps(value, default=_default, sort_keys=True, separators=(",", ":"))


def loads(text: str | None) -> Any:
    return None if text is None else json.loads(text)
