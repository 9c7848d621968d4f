"""What the warehouse collectors share: the query function and the scrape's context."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from cistrade_core.clock import as_utc
from cistrade_core.config import Settings

#: Runs one read-only statement with ``?`` parameters and returns its rows as dicts.
Query = Callable[[str, Sequence[Any]], list[dict[str, Any]]]


@dataclass(frozen=True)
class ScrapeContext:
    """One scrape: its time (aware UTC; a naive time is taken as UTC) and the settings."""

    now: datetime
    settings: Settings

    def __post_init__(self) -> None:
        object.__setattr__(self, "now", as_utc(self.now))

    @property
    def now_utc(self) -> datetime:
        return as_utc(self.now)


def epoch_seconds(value: datetime | date | None) -> float:
    """Unix time of a warehouse value (naive timestamps are UTC; a date is its midnight UTC)."""
    if value is None:
        return 0.0
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.timestamp()
