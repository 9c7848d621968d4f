"""The embedded default warehouse: one DuckDB file, ``$CISTRADE_HOME/warehouse.duckdb``."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from cistrade_core.config import SQL_DIR
from cistrade_core.warehouse.base import SqlRowOperations, Transaction, Warehouse, WriteConflict
from cistrade_core.warehouse.ddl import SCHEMA, cast_expression
from cistrade_core.warehouse.duckdb_lease import lease_for
from cistrade_core.warehouse.partitioned import Append, PartitionedTable
from cistrade_core.warehouse.timestamps import from_storage, to_storage

if TYPE_CHECKING:  # the staged Arrow data is built by the load, not by every command
    import pyarrow as pa

log = logging.getLogger(__name__)

#: The DDL of the transactional tables (their Kudu twins: sql/impala/kudu_tables.sql).
STORE_DDL = ("core_tables.sql", "fx_tables.sql", "report_tables.sql")


def _is_write_conflict(exc: BaseException) -> bool:
    """Another transaction wrote the same row or key first (update conflict, duplicate key)."""
    text = str(exc).lower()
    if isinstance(exc, duckdb.TransactionException):
        return "conflict" in text or "constraint violation" in text
    return isinstance(exc, duckdb.ConstraintException) and "duplicate key" in text


class _DuckTransaction(SqlRowOperations):
    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self.con.execute(sql, to_storage(list(params)))

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        return _rows(self.con.execute(sql, to_storage(list(params))))

    def execute_update(self, sql: str, params: Sequence[Any] = ()) -> int:
        row = self.con.execute(sql, to_storage(list(params))).fetchone()
        return int(row[0]) if row else 0


def _rows(cursor: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    names = [d[0] for d in cursor.description]
    return from_storage([dict(zip(names, row, strict=True)) for row in cursor.fetchall()])


class DuckDBWarehouse(Warehouse):
    """DuckDB file warehouse.

    DuckDB lets one process write a file at a time. Processes take turns through
    a lock file and keep the file open while they have work
    (:mod:`cistrade_core.warehouse.duckdb_lease`); each unit of work is a cursor
    on it. Another process's turn is waited for, up to ``lock_timeout`` seconds.
    """

    engine = "duckdb"

    def __init__(self, path: Path | str, lock_timeout: float = 120.0) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.lock_timeout = lock_timeout
        self.lease = lease_for(self.path)    # shared by every warehouse on this file

    def __repr__(self) -> str:
        return f"DuckDBWarehouse({str(self.path)!r})"

    def connect(self) -> AbstractContextManager[duckdb.DuckDBPyConnection]:
        """A cursor on the file for one unit of work, waiting for another process's turn."""
        return self.lease.cursor(self.lock_timeout)

    def close(self) -> None:
        """Close the file now if this process is not using it (the next one need not wait)."""
        self.lease.close()

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        with self.connect() as con:
            con.execute(sql, to_storage(list(params)))

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        with self.connect() as con:
            return _rows(con.execute(sql, to_storage(list(params))))

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        with self.connect() as con:
            con.begin()
            try:
                yield _DuckTransaction(con)
            except BaseException as exc:
                con.rollback()
                if _is_write_conflict(exc):
                    raise WriteConflict(str(exc)) from exc
                raise
            try:
                con.commit()
            except duckdb.Error as exc:
                if _is_write_conflict(exc):
                    raise WriteConflict(str(exc)) from exc
                raise

    @contextmanager
    def keep_open(self) -> Iterator[None]:
        """Hold one connection so each unit of work reuses the open database.

        Other processes cannot open the file meanwhile; threads of this process
        can (each unit of work is a cursor on the open file).
        """
        with self.connect():
            yield

    def batch(self) -> AbstractContextManager[None]:
        """The file stays open between the batch's units; other processes still get turns."""
        return self.lease.batch()

    def run_sql_file(self, name: str) -> None:
        script = (SQL_DIR / "duckdb" / name).read_text()
        with self.connect() as con:
            con.execute(script)

    def ensure_store_schema(self) -> None:
        with self.connect() as con:
            for name in STORE_DDL:
                con.execute((SQL_DIR / "duckdb" / name).read_text())

    def existing_tables(self) -> set[str]:
        with self.connect() as con:
            return {r[0].lower() for r in con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = ?",
                [SCHEMA]).fetchall()}

    def ensure_tables(self, scripts: Sequence[str], expected: set[str],
                      partitioned: Sequence[PartitionedTable] = ()) -> None:
        if expected and expected <= self.existing_tables():
            return
        with self.connect() as con:
            for name in scripts:
                con.execute((SQL_DIR / "duckdb" / name).read_text())

    def replace_partition(self, table: PartitionedTable, value: date, data: pa.Table | Path,
                          record: Append | None = None) -> int:
        part = table.partition_column
        with self.connect() as con:
            if isinstance(data, Path):  # DuckDB reads the file itself, in parallel
                source, params = "read_parquet(?)", [str(data)]
                names = con.execute("SELECT name FROM parquet_schema(?) WHERE num_children "
                                    "IS NULL", [str(data)]).fetchall()
                table.check_staged_columns([n for (n,) in names])
            else:
                table.check_staged_columns(data.column_names)
                con.register("staged_partition", data)
                source, params = "staged_partition", []
            con.begin()
            try:
                con.execute(f"DELETE FROM {table.qualified} WHERE {part} = ?", [value])
                written = con.execute(
                    f"INSERT INTO {table.qualified} SELECT CAST(? AS DATE) AS {part}, "
                    f"{cast_expression(table)} FROM {source}",
                    [value, *params],
                ).fetchone()[0]
                if record is not None:
                    sql, params = record.sql()
                    con.execute(sql, to_storage(params))
            except BaseException:
                con.rollback()
                raise
            finally:
                if source == "staged_partition":
                    con.unregister(source)
            con.commit()
        return written

    def publish_partition(self, table: PartitionedTable, value: date) -> str:
        # DuckDB tables are native and the current-partition views are evaluated on
        # read, so a committed load is visible at once: nothing to publish.
        return f"duckdb: {table.qualified} {value} visible on commit"
