"""The warehouse on Hive (HiveServer2).

Partitioned tables are ``EXTERNAL`` tables over header-less pipe-delimited
text files (:mod:`cistrade_core.warehouse.hive_files`). Replacing a partition
does not go through SQL: the partition's file is written into a staging
directory beside the tables (same file system) and renamed into the partition
directory, which replaces a previous file in one step, so a reader sees the
old file or the new one, never a part of either. Publishing registers the
partition (``ALTER TABLE ... ADD IF NOT EXISTS PARTITION``); a new partition
is invisible until then. Rows appended with a partition (a load record) are
``INSERT``ed after the rename; if that fails the previous file is put back.

The transactional tables are row logs written by units of work
(:mod:`cistrade_core.warehouse.rowstore`). Connections come from a factory
returning a DB-API connection: PyHive built from ``CISTRADE_HIVE_*``
(:mod:`cistrade_core.warehouse.hive_config`) for the command line, Airflow's
``HiveServer2Hook`` in DAGs (see the plugins glue). Impala is the same
warehouse with Impala's statements (:mod:`cistrade_core.warehouse.impala_backend`).
Engine-specific SQL lives in ``sql/hive`` and ``sql/impala``.
"""

from __future__ import annotations

import logging
import os
import shutil
import uuid
import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Any

import pyarrow as pa

from cistrade_core.config import SQL_DIR
from cistrade_core.warehouse.base import Transaction, Warehouse
from cistrade_core.warehouse.ddl import SCHEMA
from cistrade_core.warehouse.hive_ddl import DATA_URI_VARIABLE
from cistrade_core.warehouse.hive_files import DataLayout, encode_partition_file
from cistrade_core.warehouse.hive_results import fetch_rows
from cistrade_core.warehouse.partitioned import Append, PartitionedTable
from cistrade_core.warehouse.pool import ConnectionPool
from cistrade_core.warehouse.rowstore import LogRowWriter, RowUnitOfWork, RowWriter
from cistrade_core.warehouse.sqltext import (
    HIVE,
    Dialect,
    bind,
    identifier,
    split_statements,
    substitute,
)
from cistrade_core.warehouse.timestamps import from_storage, to_storage

log = logging.getLogger(__name__)
# PyHive logs every statement at INFO, values included (password hashes, mail
# bodies). Statements are logged here at DEBUG, truncated; keep PyHive quieter.
logging.getLogger("pyhive.hive").setLevel(logging.WARNING)

Connect = Callable[[], Any]


class HiveWarehouse(Warehouse):
    """Partitioned external tables and row-log transactional tables on a HiveServer2."""

    engine = "hive"
    dialect: Dialect = HIVE

    def __init__(self, connect: Connect, layout: DataLayout, *, pool_size: int = 2) -> None:
        self.layout = layout
        self.pool = ConnectionPool(connect, max_size=pool_size, name=self.engine)
        self._finalizer = weakref.finalize(self, self.pool.close)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(data={self.layout.uri!r})"

    @property
    def sql_dir(self) -> Path:
        return SQL_DIR / self.engine

    # -- generic access ---------------------------------------------------------------------
    def _run(self, conn: Any, sql: str, params: Sequence[Any] | Mapping[str, Any] = (),
             fetch: bool = False) -> list[dict[str, Any]]:
        statement = bind(sql, to_storage(params), dialect=self.dialect)
        log.debug("%s: %s", self.engine, statement[:500])
        cursor = conn.cursor()
        try:
            cursor.execute(statement)
            # impyla raises if asked for rows of a statement that returns none
            return from_storage(fetch_rows(cursor)) if fetch else []
        finally:
            with suppress(Exception):
                cursor.close()

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        with self.pool.connection() as conn:
            self._run(conn, sql, params)

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        with self.pool.connection() as conn:
            return self._run(conn, sql, params, fetch=True)

    @cached_property
    def row_writer(self) -> RowWriter:
        """How this engine writes the transactional tables: row logs on plain Hive."""
        return LogRowWriter(self.dialect)

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        """A unit of work on one connection: reads at once, writes when it ends.

        Hive and Impala have no multi-statement transactions; the unit claims the
        rows it changes, then writes (:mod:`cistrade_core.warehouse.rowstore`).
        Partition loads get their all-or-nothing from the file rename instead.
        """
        with self.pool.connection() as conn:
            unit = RowUnitOfWork(
                lambda sql, params: self._run(conn, sql, params, fetch=True),
                lambda statement: self._run(conn, statement),
                self.row_writer,
            )
            yield unit
            unit.commit()

    def ensure_store_schema(self) -> None:
        """Create the transactional tables (core, FX, reports) and views if any is missing."""
        from cistrade_core.warehouse.tables import table_specs

        if set(table_specs()) <= self.existing_tables():
            return
        statements = self.row_writer.schema_statements()
        try:
            with self.pool.connection() as conn:
                for statement in statements:
                    self._run(conn, statement)
        except Exception:
            if not set(table_specs()) <= self.existing_tables():
                raise
            log.info("transactional tables were created concurrently by another process")

    def run_sql_file(self, name: str, params: Mapping[str, Any] | None = None,
                     variables: Mapping[str, str] | None = None) -> list[str]:
        """Run ``sql/<engine>/<name>`` statement by statement; return the statements run.

        ``${name}`` in the script takes ``variables`` (identifiers, or text inside
        a literal), ``:name`` takes ``params`` (bound values).
        """
        path = self.sql_dir / name
        if not path.exists():
            raise FileNotFoundError(
                f"{path}: no {self.engine} version of {name}; the transactional tables are "
                "created by ensure_store_schema()"
            )
        script = path.read_text()
        variables = {DATA_URI_VARIABLE: self.layout.uri, **(variables or {})}
        statements = split_statements(substitute(script, variables))
        with self.pool.connection() as conn:
            for statement in statements:
                self._run(conn, statement, params or {})
        return statements

    def close(self) -> None:
        self.pool.close()

    # -- partitioned tables -----------------------------------------------------------------
    def existing_tables(self) -> set[str]:
        try:
            rows = self.query(f"SHOW TABLES IN {SCHEMA}")
        except Exception as exc:  # the database itself may not exist yet
            log.debug("SHOW TABLES IN %s failed: %s", SCHEMA, exc)
            return set()
        names = set()
        for row in rows:
            # Spark: namespace, tableName, isTemporary; Hive: tab_name; Impala: name
            name = row.get("tableName") or row.get("tab_name") or row.get("name")
            if name:
                names.add(str(name).lower())
        return names

    def ensure_tables(self, scripts: Sequence[str], expected: set[str],
                      partitioned: Sequence[PartitionedTable] = ()) -> None:
        """Create what is missing: run ``scripts`` unless every ``expected`` table exists."""
        if expected <= self.existing_tables():
            return
        for table in partitioned:
            self.layout.table_dir(table).mkdir(parents=True, exist_ok=True)
        try:
            for script in scripts:
                self.run_sql_file(script)
        except Exception:
            # Tasks running side by side on a new database may race on IF NOT EXISTS;
            # what counts is that everything exists now.
            if not expected <= self.existing_tables():
                raise
            log.info("tables were created concurrently by another process")

    def replace_partition(self, table: PartitionedTable, value: date, data: pa.Table | Path,
                          record: Append | None = None) -> int:
        """Write the partition's file and rename it into place, then append ``record``.

        Readers see the previous file or the new one, never part of one. If
        appending the record fails, the previous file (or none) is put back, so a
        failed attempt leaves nothing behind; only a reader of a partition already
        registered who queries in the moment between the two renames can see the
        new rows.
        """
        if isinstance(data, Path):
            import pyarrow.parquet as pq

            data = pq.read_table(data)
        table.check_staged_columns(data.column_names)
        body = encode_partition_file(table, data)
        target = self.layout.data_file(table, value)
        stage = self.layout.staging_root / f"{table.name}-{value:%Y%m%d}-{uuid.uuid4().hex}"
        stage.mkdir(parents=True)
        try:
            staged = stage / self.layout.file_name
            with staged.open("wb") as fh:
                fh.write(body)
                fh.flush()
                os.fsync(fh.fileno())
            staged.chmod(0o644)
            previous = None
            if target.exists():
                previous = stage / "previous"
                try:  # keeps the old file while the new one replaces it
                    os.link(target, previous)
                except OSError:  # a file system without hard links: keep a copy
                    shutil.copy2(target, previous)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staged, target)
            try:
                if record is not None:
                    self.append(record.table, record.row)
            except BaseException:
                if previous is not None:
                    os.replace(previous, target)
                else:
                    target.unlink(missing_ok=True)
                raise
        finally:
            shutil.rmtree(stage, ignore_errors=True)
        log.info("%s %s: %d rows written to %s", table.title, value, data.num_rows, target)
        return data.num_rows

    def _partition_params(self, table: PartitionedTable, value: date) -> dict[str, str]:
        return {"business_date": value.isoformat(),
                "location": self.layout.partition_uri(table, value)}

    def _require_written(self, table: PartitionedTable, value: date) -> None:
        if not self.layout.data_file(table, value).exists():
            raise FileNotFoundError(
                f"{table.title} {value}: nothing loaded "
                f"({self.layout.data_file(table, value)} missing); not registering an "
                "empty partition"
            )

    def publish_partition(self, table: PartitionedTable, value: date) -> str:
        """Register the partition: from now on readers see it."""
        self._require_written(table, value)
        name = identifier(table.qualified)
        self.run_sql_file("gmp_add_partition.sql", self._partition_params(table, value),
                          {"table": name})
        return f"{self.engine}: {name} partition {table.partition_column}={value} registered"

    def partitions(self, table: str) -> list[date]:
        """The registered partitions of ``table`` (what readers can see)."""
        rows = self.query(f"SHOW PARTITIONS {SCHEMA}.{table}")
        days = []
        for row in rows:
            if "business_date" in row:  # Impala: one column per key, and a Total row
                value = row["business_date"]
                if isinstance(value, date):
                    days.append(value)
                elif str(value)[:4].isdigit():
                    days.append(date.fromisoformat(str(value)[:10]))
                continue
            text = str(next(iter(row.values())))  # Hive, Spark: business_date=YYYY-MM-DD
            if text.startswith("business_date="):
                days.append(date.fromisoformat(text.split("=", 1)[1]))
        return sorted(days)
