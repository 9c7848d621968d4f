"""The records passed between the FX clients, validation, storage and valuation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from cistrade_core.fx.pairs import split_pair


def format_age(age: timedelta) -> str:
    """``"42s"``, ``"17m"``, ``"3h05m"``, ``"2d04h"``."""
    seconds = int(age.total_seconds())
    if seconds < 0:
        return f"-{format_age(-age)}"
    if seconds < 120:
        return f"{seconds}s"
    minutes = seconds // 60
    if minutes < 120:
        return f"{minutes}m"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours}h{minutes:02d}m"
    days, hours = divmod(hours, 24)
    return f"{days}d{hours:02d}h"


@dataclass(frozen=True)
class FxRate:
    """One quote from one provider: bid, ask and mid in quote-currency units per base unit."""

    pair: str
    bid: Decimal
    ask: Decimal
    mid: Decimal
    provider_ts: datetime
    source: str
    source_id: str

    @property
    def base(self) -> str:
        return split_pair(self.pair)[0]

    @property
    def quote(self) -> str:
        return split_pair(self.pair)[1]


@dataclass(frozen=True)
class StoredRate(FxRate):
    """A rate read back from the warehouse, with its age and staleness at read time."""

    loaded_at: datetime | None = None
    run_id: str | None = None
    age: timedelta = timedelta(0)
    stale: bool = False
