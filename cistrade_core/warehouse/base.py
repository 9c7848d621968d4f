"""The warehouse interface every storage engine implements.

The embedded default is DuckDB (:mod:`cistrade_core.warehouse.duckdb_backend`).
SQL passed to :meth:`Warehouse.execute` and :meth:`Warehouse.query` uses ``?``
placeholders; values are always bound as parameters, never formatted in.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from cistrade_core.feeds import Feed
from cistrade_core.warehouse.records import LoadRecord, LoadStatus
from cistrade_core.warehouse.tables import table_spec, where_sql

if TYPE_CHECKING:  # pyarrow is imported by the engines that move data, not by every command
    import pyarrow as pa


class WriteConflict(Exception):
    """A concurrent transaction changed the same rows first; this one was rolled back."""


Rows = Sequence[Mapping[str, Any]]


class Transaction(ABC):
    """A unit of work (see :meth:`Warehouse.transaction`).

    Reads are SQL (``query``); writes to the transactional tables (core, FX,
    reports; :mod:`cistrade_core.warehouse.tables`) are the row operations below,
    which every engine implements: DuckDB as SQL in a real transaction, Impala as
    Kudu ``UPSERT``/``INSERT``/``DELETE`` after claiming the rows, Hive as appends
    to row logs. ``where`` maps columns to values (``=``; ``None`` means
    ``IS NULL``; :class:`~cistrade_core.warehouse.tables.Lt` means ``<``).
    Engines without transactions apply the writes when the unit of work ends, so
    a read inside it does not see its own writes.
    """

    @abstractmethod
    def execute(self, sql: str, params: Sequence[Any] = ()) -> None: ...

    @abstractmethod
    def query(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]: ...

    def execute_update(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run an ``UPDATE`` or ``DELETE`` and return how many rows it changed."""
        raise NotImplementedError(f"{type(self).__name__} does not report changed rows")

    # -- row operations ----------------------------------------------------------------------
    @abstractmethod
    def insert(self, table: str, rows: Rows) -> None:
        """Add new rows; a key that exists already raises :class:`WriteConflict`."""

    @abstractmethod
    def insert_new(self, table: str, rows: Rows) -> list[Mapping[str, Any]]:
        """Add the rows whose key is not there yet; return those rows."""

    @abstractmethod
    def upsert(self, table: str, rows: Rows) -> None:
        """Insert each row, or replace the row with its key."""

    @abstractmethod
    def update(self, table: str, changes: Mapping[str, Any], where: Mapping[str, Any]) -> int:
        """Set ``changes`` on the rows matching ``where``; return how many matched.

        Two units of work updating the same row from the same state: one wins,
        the other raises :class:`WriteConflict`.
        """

    @abstractmethod
    def delete(self, table: str, where: Mapping[str, Any]) -> int:
        """Delete the rows matching ``where``; return how many there were."""

    @abstractmethod
    def claim_unique(self, table: str, column: str, value: Any) -> None:
        """Hold ``value`` of a column that must stay unique (not a key) for this unit.

        Call it after checking that no row has the value and before inserting one:
        of two units doing so at once, one raises :class:`WriteConflict`.
        """


class SqlRowOperations(Transaction):
    """The row operations as plain SQL, for engines with transactions (DuckDB)."""

    chunk_rows = 500

    def insert(self, table: str, rows: Rows) -> None:
        self._insert(table, rows, "")

    def insert_new(self, table: str, rows: Rows) -> list[Mapping[str, Any]]:
        spec = table_spec(table)
        written = self._insert(table, rows, "ON CONFLICT DO NOTHING RETURNING "
                               + ", ".join(spec.key))
        keys = {tuple(r[c] for c in spec.key) for r in written}
        return [row for row in rows if spec.key_of(dict(row)) in keys]

    def upsert(self, table: str, rows: Rows) -> None:
        spec = table_spec(table)
        if not rows:
            return
        others = [c for c in rows[0] if c not in spec.key]
        action = ("DO UPDATE SET " + ", ".join(f"{c} = EXCLUDED.{c}" for c in others)
                  if others else "DO NOTHING")
        self._insert(table, rows, f"ON CONFLICT ({', '.join(spec.key)}) {action}")

    def _insert(self, table: str, rows: Rows, tail: str) -> list[dict[str, Any]]:
        spec = table_spec(table)
        if not rows:
            return []
        columns = list(rows[0])
        spec.check_columns(columns)
        one = "(" + ", ".join("?" for _ in columns) + ")"
        out: list[dict[str, Any]] = []
        for start in range(0, len(rows), self.chunk_rows):
            chunk = rows[start:start + self.chunk_rows]
            sql = (f"INSERT INTO {spec.qualified} ({', '.join(columns)}) VALUES "
                   + ", ".join(one for _ in chunk) + (f" {tail}" if tail else ""))
            params = [row[c] for row in chunk for c in columns]
            if "RETURNING" in tail:
                out += self.query(sql, params)
            else:
                self.execute(sql, params)
        return out

    def update(self, table: str, changes: Mapping[str, Any], where: Mapping[str, Any]) -> int:
        spec = table_spec(table)
        spec.check_columns([*changes, *where])
        condition, params = where_sql(dict(where))
        assignments = ", ".join(f"{c} = ?" for c in changes)
        return self.execute_update(f"UPDATE {spec.qualified} SET {assignments} WHERE {condition}",
                                   [*changes.values(), *params])

    def claim_unique(self, table: str, column: str, value: Any) -> None:
        """Nothing to do: the table's UNIQUE constraint refuses the second row."""
        table_spec(table).check_columns([column])

    def delete(self, table: str, where: Mapping[str, Any]) -> int:
        spec = table_spec(table)
        spec.check_columns(where)
        condition, params = where_sql(dict(where))
        return self.execute_update(f"DELETE FROM {spec.qualified} WHERE {condition}", params)


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

    @abstractmethod
    def ensure_store_schema(self) -> None:
        """Create the transactional tables (core, FX, reports) if missing."""

    # -- row operations, each its own unit of work ------------------------------------------
    def insert(self, table: str, rows: Rows) -> None:
        with self.transaction() as tx:
            tx.insert(table, rows)

    def upsert(self, table: str, rows: Rows) -> None:
        with self.transaction() as tx:
            tx.upsert(table, rows)

    def update(self, table: str, changes: Mapping[str, Any], where: Mapping[str, Any]) -> int:
        with self.transaction() as tx:
            return tx.update(table, changes, where)

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
    "status, reason, override, recorded_at, released_by, released_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def load_record_params(record: LoadRecord) -> list[Any]:
    ts, released = (_naive(t) for t in (record.extract_timestamp, record.released_at))
    return [
        record.feed, record.business_date, ts, record.row_count, str(record.status),
        record.reason, record.override, record.recorded_at or utcnow_naive(),
        record.released_by, released,
    ]


def _naive(ts: datetime | None) -> datetime | None:
    """Timestamps are stored as naive UTC."""
    return ts.astimezone(UTC).replace(tzinfo=None) if ts is not None and ts.tzinfo else ts


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
        released_by=row.get("released_by"),
        released_at=row.get("released_at"),
    )
