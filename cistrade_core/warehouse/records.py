"""Rows of the load-history and alert-log tables."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum


class LoadStatus(StrEnum):
    LOADED = "loaded"
    REJECTED = "rejected"
    HELD = "held"


@dataclass(frozen=True)
class LoadRecord:
    """One attempt to load one feed for one business day."""

    feed: str
    business_date: date
    status: LoadStatus
    reason: str
    extract_timestamp: datetime | None = None
    row_count: int | None = None
    override: bool = False
    recorded_at: datetime | None = None
    #: who released a feed held for a row-count change, and when (naive UTC)
    released_by: str | None = None
    released_at: datetime | None = None
