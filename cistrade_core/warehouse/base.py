"""The warehouse interface every storage engine implements.

The embedded default is DuckDB (:mod:`cistrade_core.warehouse.duckdb_backend`).
SQL passed to :meth:`Warehouse.execute` and :meth:`Warehouse.query` uses ``?``
placeholders; values are always bound as parameters, never formatted in.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from datetime import UTC, date, datetime
from typing import Any

import pyarrow as pa

from cistrade_core.feeds import Feed
from cistrade_core.warehouse.records import LoadRecord, LoadStatus


class WriteConflict(Exception):
    """A concurrent transaction changed the same rows first; this one was rolled back."""


class Transaction(ABC):
    """Statements run in one transaction (see :meth:`Warehouse.transaction`)."""

    @abstractmethod
    def execute(self, sql: str, params: Sequence[Any] = ()) -> None: ...

    @abstractmethod
    def query(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]: ...

    def execute_update(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run an ``UPDATE`` or ``DELETE`` and return how many rows it changed."""
        raise NotImplementedError(f"{type(self).__name__} does not report changed rows")


class Warehouse(ABC):
    """Storage for the GMP tables, load history, alerts and the core tables."""

    engine: str = "abstract"

    # -- generic access -------------------------------------------------------------------
    @abstractmethod
    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        """Run one statement."""

    @abstractmethod
    def query(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        """Run a query and return its rows as dicts."""

    @abstractmethod
    def transaction(self) -> AbstractContextManager[Transaction]:
        """A unit of work that is committed whole or not at all.

        Raises :class:`WriteConflict` when a concurrent transaction wrote the same
        rows first (optimistic concurrency: the caller decides whether to retry).
        """

    def keep_open(self) -> AbstractContextManager[None]:
        """Keep engine resources open across units of work (a no-op by default).

        For long-running callers doing many small transactions (benchmarks, batch
        jobs); engines whose connections are cheap to open need nothing here.
        """
        return nullcontext()

    @abstractmethod
    def run_sql_file(self, name: str) -> None:
        """Run the engine's ``sql/<engine>/<name>`` script (idempotent DDL)."""

    # -- GMP reference data ---------------------------------------------------------------
    @abstractmethod
    def ensure_gmp_schema(self) -> None:
        """Create the GMP tables, views, load history and alert log if missing."""

    @abstractmethod
    def replace_feed_day(self, feed: Feed, business_date: date, data: pa.Table,
                         record: LoadRecord) -> int:
        """Replace ``business_date``'s rows of ``feed`` with ``data`` and record the load.

        ``data`` holds the feed's columns as text, exactly as validated. All or
        nothing: on any error the previous rows stay. Returns the rows written.
        """

    @abstractmethod
    def refresh_feed_day(self, feed: Feed, business_date: date) -> str:
        """Make a loaded day visible to readers; return what was done."""

    def record_load(self, record: LoadRecord) -> None:
        """Append a load-history row (for rejected and held feeds)."""
        self.execute(INSERT_LOAD_HISTORY, load_record_params(record))

    def last_loaded(self, feed: str, on_or_before: date) -> LoadRecord | None:
        """The latest loaded day of ``feed`` at or before ``on_or_before``."""
        rows = self.query(
            "SELECT * FROM gmp_cis.gmp_load_history WHERE feed = ? AND status = 'loaded' "
            "AND business_date <= ? ORDER BY business_date DESC, recorded_at DESC LIMIT 1",
            [feed, on_or_before],
        )
        return _to_record(rows[0]) if rows else None

    def load_history(self, start: date | None = None, end: date | None = None,
                     feed: str | None = None) -> list[LoadRecord]:
        sql = "SELECT * FROM gmp_cis.gmp_load_history WHERE 1 = 1"
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
        return [_to_record(r) for r in self.query(sql, params)]

    def record_alert(self, kind: str, feed: str, business_date: date, subject: str,
                     recipients: Sequence[str], sent: bool, error: str | None) -> None:
        self.execute(
            "INSERT INTO gmp_cis.gmp_alert_log VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [kind, feed, business_date, subject, ", ".join(recipients), sent, error,
             utcnow_naive()],
        )

    def alerts(self, business_date: date | None = None, feed: str | None = None,
               kind: str | None = None) -> list[dict[str, Any]]:
        sql = "SELECT * FROM gmp_cis.gmp_alert_log WHERE 1 = 1"
        params: list[Any] = []
        for column, value in (("business_date", business_date), ("feed", feed), ("kind", kind)):
            if value is not None:
                sql += f" AND {column} = ?"
                params.append(value)
        return self.query(sql + " ORDER BY raised_at", params)

    def current_rows(self, feed: Feed) -> int:
        return self.query(f"SELECT count(*) AS n FROM gmp_cis.{feed.current_view}")[0]["n"]

    def close(self) -> None:  # noqa: B027 (optional hook)
        """Release connections."""



INSERT_LOAD_HISTORY = (
    "INSERT INTO gmp_cis.gmp_load_history (feed, business_date, extract_timestamp, row_count, "
    "status, reason, override, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)


def load_record_params(record: LoadRecord) -> list[Any]:
    ts = record.extract_timestamp
    if ts is not None and ts.tzinfo is not None:
        ts = ts.replace(tzinfo=None)  # stored as naive UTC
    return [
        record.feed, record.business_date, ts, record.row_count, str(record.status),
        record.reason, record.override, record.recorded_at or utcnow_naive(),
    ]


def utcnow_naive() -> datetime:
    """Now, as the naive UTC timestamp the warehouse stores."""
    return datetime.now(UTC).replace(tzinfo=None)


def _to_record(row: dict[str, Any]) -> LoadRecord:
    ts = row["extract_timestamp"]
    return LoadRecord(
        feed=row["feed"],
        business_date=row["business_date"],
        status=LoadStatus(row["status"]),
        reason=row["reason"],
        extract_timestamp=ts.replace(tzinfo=UTC) if ts else None,
        row_count=row["row_count"],
        override=row["override"],
        recorded_at=row["recorded_at"],
    )
