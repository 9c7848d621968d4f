"""Where the GMP load keeps its data: the feed tables and the load history.

:class:`GmpStore` is the GMP load's persistence on any warehouse engine. A day
of a feed is one partition of the feed's table
(:func:`cistrade_core.gmp.tables.feed_table`), replaced with the engine's
partition operation, which writes the load-history row in the same unit of
work; :meth:`GmpStore.publish_day` then makes the day visible to readers.
Rejected and held feeds only add a history row. The tables are created by
``cistrade db upgrade`` (:mod:`cistrade_core.migrations`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from cistrade_core.clock import utcnow
from cistrade_core.feeds import FEEDS, Feed
from cistrade_core.gmp.tables import (
    CONTROL_TABLES_FILE,
    FEED_TABLES_FILE,
    LOAD_HISTORY,
    expected_tables,
    feed_table,
    feed_tables,
)
from cistrade_core.warehouse.ddl import SCHEMA
from cistrade_core.warehouse.partitioned import Append

if TYPE_CHECKING:
    from pathlib import Path

    import pyarrow as pa

    from cistrade_core.warehouse.base import Warehouse

HISTORY = f"{SCHEMA}.{LOAD_HISTORY}"


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
    #: who released a feed held for a row-count change, and when
    released_by: str | None = None
    released_at: datetime | None = None

    def history_row(self) -> Append:
        """This record as a row of ``gmp_load_history``."""
        row = {
            "feed": self.feed, "business_date": self.business_date,
            "extract_timestamp": self.extract_timestamp, "row_count": self.row_count,
            "status": str(self.status), "reason": self.reason,
            "override": self.override, "recorded_at": self.recorded_at or utcnow(),
        }
        if self.released_by is not None:  # only then: older tables lack the two columns
            row |= {"released_by": self.released_by, "released_at": self.released_at}
        return Append(HISTORY, row)


class GmpStore:
    """The GMP feed tables and load history on ``warehouse``."""

    def __init__(self, warehouse: Warehouse) -> None:
        self.warehouse = warehouse

    def __repr__(self) -> str:
        return f"GmpStore({self.warehouse!r})"

    def ensure_schema(self) -> None:
        """Create the feed tables, their current-day views and the load history if missing."""
        self.warehouse.ensure_tables((FEED_TABLES_FILE, CONTROL_TABLES_FILE), expected_tables(),
                                     feed_tables())

    # -- writes -----------------------------------------------------------------------------
    def load_day(self, feed: Feed, business_date: date, data: pa.Table | Path,
                 record: LoadRecord) -> int:
        """Replace ``business_date``'s rows of ``feed`` with ``data`` and record the load.

        ``data`` holds the feed's columns as text, exactly as validated (an Arrow
        table or the Parquet file it was staged to). All or
        nothing: on any error the previous rows stay. Returns the rows written.
        """
        return self.warehouse.replace_partition(feed_table(feed), business_date, data,
                                                record.history_row())

    def publish_day(self, feed: Feed, business_date: date) -> str:
        """Make a loaded day visible to readers; return what was done."""
        return self.warehouse.publish_partition(feed_table(feed), business_date)

    def record_load(self, record: LoadRecord) -> None:
        """Append a load-history row (for rejected and held feeds)."""
        row = record.history_row()
        self.warehouse.append(row.table, row.row)

    # -- reads ------------------------------------------------------------------------------
    def last_loaded(self, feed: str, on_or_before: date) -> LoadRecord | None:
        """The latest loaded day of ``feed`` at or before ``on_or_before``."""
        rows = self.warehouse.query(
            f"SELECT * FROM {HISTORY} WHERE feed = ? AND status = 'loaded' "
            "AND business_date <= ? ORDER BY business_date DESC, recorded_at DESC LIMIT 1",
            [feed, on_or_before],
        )
        return _to_record(rows[0]) if rows else None

    def load_history(self, start: date | None = None, end: date | None = None,
                     feed: str | None = None) -> list[LoadRecord]:
        sql = f"SELECT * FROM {HISTORY} WHERE 1 = 1"
        params: list[Any] = []
        if start:
            sql += " AND business_date >= ?"
            params.append(start)
        if end:
            sql += " AND business_date <= ?"
            params.append(end)
        if feed:
            sql += " AND feed = ?"
            params.append(feed)
        sql += " ORDER BY recorded_at, business_date, feed"
        return [_to_record(r) for r in self.warehouse.query(sql, params)]

    def current_rows(self, feed: Feed) -> int:
        """Rows of the feed's current (latest loaded) day."""
        return self.warehouse.query(
            f"SELECT count(*) AS n FROM {SCHEMA}.{feed.current_view}")[0]["n"]

    def table_counts(self) -> dict[str, dict[str, int]]:
        """Rows per feed table: all days kept and the current day."""
        out = {}
        for feed in FEEDS.values():
            total = self.warehouse.query(
                f"SELECT count(*) AS n FROM {SCHEMA}.{feed.table}")[0]["n"]
            out[feed.name] = {"all_days": total, "current": self.current_rows(feed)}
        return out


def _to_record(row: dict[str, Any]) -> LoadRecord:
    ts = row["extract_timestamp"]
    return LoadRecord(
        feed=row["feed"],
        business_date=row["business_date"],
        status=LoadStatus(row["status"]),
        reason=row["reason"],
        extract_timestamp=ts,
        row_count=row["row_count"],
        override=row["override"],
        recorded_at=row["recorded_at"],
        released_by=row.get("released_by"),
        released_at=row.get("released_at"),
    )
