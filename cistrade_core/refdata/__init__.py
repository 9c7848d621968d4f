"""Reading the GMP reference data: current, or as the tables stood on a business date."""

from cistrade_core.refdata.snapshots import (
    FEEDS,
    NO_CALENDAR,
    ReferenceFeed,
    holidays,
    loaded_dates,
    rows,
)

__all__ = ["FEEDS", "NO_CALENDAR", "ReferenceFeed", "holidays", "loaded_dates", "rows"]
