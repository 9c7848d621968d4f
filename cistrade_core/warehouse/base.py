"""The warehouse interface every storage engine implements.

The embedded default is DuckDB (:mod:`cistrade_core.warehouse.duckdb_backend`).
SQL passed to :meth:`Warehouse.execute` and :meth:`Warehouse.query` uses ``?``
placeholders; values are always bound as parameters, never formatted in.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from datetime import date
from typing import TYPE_CHECKING, Any

from cistrade_core.errors import CoreError
from cistrade_core.warehouse.partitioned import Append, PartitionedTable
from cistrade_core.warehouse.tables import table_spec, where_sql
from cistrade_core.warehouse.timestamps import from_storage

if TYPE_CHECKING:  # pyarrow is imported by the engines that move data, not by every command
    from pathlib import Path

    import pyarrow as pa


class WriteConflict(CoreError):
    """A concurrent transaction changed the same rows first; this one was rolled back."""

    outcome = "CONFLICT"


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

    def queries(self, statements: Sequence[tuple[str, Sequence[Any]]]
                ) -> list[list[dict[str, Any]]]:
        """Run several queries in order and return the rows of each (sent together where
        the engine is remote)."""
        return [self.query(sql, params) for sql, params in statements]

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
        keys = {tuple(r[c] for c in spec.key) for r in written}  # read back: aware UTC
        return [row for row in rows if spec.key_of(from_storage([dict(row)])[0]) in keys]

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
    """Storage for partitioned tables (loaded a partition at a time) and transactional tables."""

    engine: str = "abstract"

    # -- generic access -------------------------------------------------------------------
    @abstractmethod
    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        """Run one statement."""

    @abstractmethod
    def query(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        """Run a query and return its rows as dicts."""

    def queries(self, statements: Sequence[tuple[str, Sequence[Any]]]
                ) -> list[list[dict[str, Any]]]:
        """Run several queries in order and return the rows of each (see
        :meth:`Transaction.queries`)."""
        return [self.query(sql, params) for sql, params in statements]

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

    def batch(self) -> AbstractContextManager[None]:
        """A run of units of work close together (a no-op by default).

        Engines that close an idle file between units keep it open until the batch
        ends, while still letting other processes take their turns.
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

    # -- partitioned tables ---------------------------------------------------------------
    @abstractmethod
    def existing_tables(self) -> set[str]:
        """Names of the tables and views in the schema (unqualified, lower case)."""

    @abstractmethod
    def ensure_tables(self, scripts: Sequence[str], expected: set[str],
                      partitioned: Sequence[PartitionedTable] = ()) -> None:
        """Run the engine's ``sql/<engine>/<script>`` files unless ``expected`` all exist.

        ``partitioned`` names the partitioned tables the scripts create, for
        engines that keep their files themselves.
        """

    def append(self, table: str, row: Mapping[str, Any]) -> None:
        """Append one row to a table outside the transactional set (a load history)."""
        self.execute(*Append(table, row).sql())

    @abstractmethod
    def replace_partition(self, table: PartitionedTable, value: date, data: pa.Table | Path,
                          record: Append | None = None) -> int:
        """Replace the partition ``value`` of ``table`` with ``data``; append ``record``.

        ``data`` holds ``table``'s columns as text, in order: an Arrow table, or a
        Parquet file of one (which an engine may read without Python holding it).
        The partition and the record are written in one unit of work: on any error
        the previous rows stay and no record is written. Returns the rows written.
        On engines whose readers see a partition only once it is published, a new
        partition stays invisible until :meth:`publish_partition`.
        """

    @abstractmethod
    def publish_partition(self, table: PartitionedTable, value: date) -> str:
        """Make a replaced partition visible to readers; return what was done."""

    def close(self) -> None:  # noqa: B027 (optional hook)
        """Release connections."""
