"""The production unit of work of Impala/Kudu, run on a DuckDB file.

:class:`KuduOnDuckDB` is a DuckDB warehouse whose units of work are the real
:class:`~cistrade_core.warehouse.rowstore.RowUnitOfWork`, the one Impala (Kudu)
and Hive use: reads go to DuckDB at once, row operations are kept until the
unit ends, then the rows are claimed in ``gmp_cis.cis_row_claim`` and written
with statements rendered by :class:`DuckDBRowWriter` (the Kudu writer's
statements in DuckDB text). Every statement commits on its own, as on Kudu, and
has Kudu's row semantics:

* ``INSERT`` keeps the first row of a key (``ON CONFLICT (<key>) DO NOTHING``),
  so of two units claiming the same row only one finds its own claim;
* ``UPSERT`` inserts or replaces by key (``ON CONFLICT (<key>) DO UPDATE``);
* ``DELETE`` removes rows by key.

The keys are Kudu's (:func:`~cistrade_core.warehouse.tables.table_spec`);
:meth:`KuduOnDuckDB.ensure_store_schema` gives every table a unique index on
its Kudu key where the DuckDB DDL has none.

Running the stores on it also checks what the engines without transactions
need from them:

* writes are the row operations only: raw SQL (``execute``, ``execute_update``)
  in a unit of work or on the warehouse raises :class:`RawSqlWrite` (the GMP
  load history is still appended with ``append``, as on every engine);
* SQL reads are checked for constructs Spark SQL or Impala reject
  (:func:`check_portable`), and engine-specific scripts (``run_sql_file``) fail;
* optionally, a unit of work may not read a table after writing to it (it
  would not see its own writes on Impala or Hive, nor here).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from cistrade_core.warehouse.base import Rows, Transaction
from cistrade_core.warehouse.duckdb_backend import DuckDBWarehouse
from cistrade_core.warehouse.rowstore import CLAIMS, KuduRowWriter, RowUnitOfWork, RowWriter, Run
from cistrade_core.warehouse.sqltext import Dialect, SqlTextError
from cistrade_core.warehouse.tables import TableSpec, table_spec, table_specs

#: What DuckDB accepts and Spark SQL or Impala do not (or which writes).
NOT_PORTABLE = re.compile(
    r"\b(?:INSERT|UPDATE|DELETE|MERGE|UPSERT|QUALIFY|RETURNING|ILIKE|information_schema|"
    r"strftime|strptime|string_agg|list_\w+|struct_\w+|epoch\w*|date_diff|datediff|"
    r"date_trunc|THEN\s+INTERVAL)\b|::|ON\s+CONFLICT|FILTER\s*\(|\bINTERVAL\s+'",
    re.IGNORECASE,
)

#: Kudu applies each row of a statement on its own; DuckDB fails a statement that
#: writes a key another open transaction wrote. The statements of all units of
#: work in this process run one at a time, so a key written first is there for
#: the next statement (which then keeps or replaces it, as Kudu would).
_STATEMENTS = threading.Lock()


class RawSqlWrite(AssertionError):
    """A store wrote with SQL instead of a row operation."""


def check_portable(sql: str) -> None:
    found = NOT_PORTABLE.search(sql)
    assert found is None, f"not portable: {found.group(0)!r} in {' '.join(sql.split())}"


# -- statements ------------------------------------------------------------------------------

@dataclass(frozen=True)
class DuckDBText(Dialect):
    """DuckDB literals: quotes doubled inside strings (a backslash is just a character)."""

    def literal(self, value: Any) -> str:
        if isinstance(value, str):
            return "'" + value.replace("'", "''") + "'"
        if isinstance(value, datetime | date | Decimal) or value is None:
            return super().literal(value)  # TIMESTAMP '...', DATE '...', 1.25, NULL
        if isinstance(value, bool | int | float):
            return super().literal(value)
        raise SqlTextError(f"cannot bind a value of type {type(value).__name__}")


DUCKDB_TEXT = DuckDBText("duckdb")


class DuckDBRowWriter(KuduRowWriter):
    """The Kudu writer's statements, batches and row checks, as DuckDB statements.

    ``INSERT INTO t ...`` becomes ``... ON CONFLICT (<key>) DO NOTHING`` (Kudu
    keeps the first row of a key) and ``UPSERT INTO t ...`` becomes ``INSERT INTO
    t ... ON CONFLICT (<key>) DO UPDATE SET`` the other columns; ``DELETE`` by
    key is the same text.
    """

    def __init__(self, batch_size: int = 500) -> None:
        super().__init__(DUCKDB_TEXT, batch_size)

    def schema_statements(self) -> list[str]:
        raise NotImplementedError("KuduOnDuckDB.ensure_store_schema creates the tables")

    def write(self, verb: str, spec: TableSpec, rows: Sequence[Mapping[str, Any]]
              ) -> list[str]:
        if verb != "delete":
            for row in rows:
                spec.check_columns(row)
            if verb == "upsert":
                _one_row_per_key(spec, rows)
        return [self._duckdb(spec, s) for s in super().write(verb, spec, rows)]

    def take_over(self, claims: Sequence[Mapping[str, Any]]) -> list[str]:
        spec = table_spec(CLAIMS)
        return [self._duckdb(spec, s) for s in super().take_over(claims)]

    @staticmethod
    def _duckdb(spec: TableSpec, statement: str) -> str:
        key = ", ".join(spec.key)
        if statement.startswith("DELETE FROM "):
            return statement
        if statement.startswith("INSERT INTO "):
            return f"{statement} ON CONFLICT ({key}) DO NOTHING"
        if statement.startswith("UPSERT INTO "):
            columns = statement[statement.index("(") + 1:statement.index(")")].split(", ")
            others = [c for c in columns if c not in spec.key]
            action = ("DO UPDATE SET " + ", ".join(f"{c} = EXCLUDED.{c}" for c in others)
                      if others else "DO NOTHING")
            rest = statement.removeprefix("UPSERT INTO ")
            return f"INSERT INTO {rest} ON CONFLICT ({key}) {action}"
        raise AssertionError(f"unexpected statement from the Kudu writer: {statement[:80]}")


def _one_row_per_key(spec: TableSpec, rows: Sequence[Mapping[str, Any]]) -> None:
    """Which of two different rows of one key an UPSERT keeps is not defined on Impala."""
    seen: dict[tuple[Any, ...], Mapping[str, Any]] = {}
    for row in rows:
        key = spec.key_of(dict(row))
        assert seen.setdefault(key, row) == row, (
            f"{spec.qualified}: one upsert with two different rows of key {key}")


# -- the unit of work ------------------------------------------------------------------------

class KuduUnitOfWork(RowUnitOfWork):
    """:class:`RowUnitOfWork` refusing raw SQL and, if asked, reads of a table it wrote to."""

    def __init__(self, run: Run, execute: Callable[[str], None], writer: RowWriter, *,
                 refuse_reads_after_writes: bool = False) -> None:
        super().__init__(run, execute, writer)
        self.refuse_reads_after_writes = refuse_reads_after_writes
        self.written: set[str] = set()

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        raise RawSqlWrite(f"raw SQL in a unit of work: {sql[:80]}")

    def execute_update(self, sql: str, params: Sequence[Any] = ()) -> int:
        raise RawSqlWrite(f"raw SQL in a unit of work: {sql[:80]}")

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        if self.refuse_reads_after_writes:
            self._check_read(sql)
        return super().query(sql, params)

    def _check_read(self, sql: str) -> None:
        read = {t for t in self.written if re.search(rf"\b{t}\b", sql)}
        # the current-rate view reads cis_fx_rate
        if "cis_fx_rate" in self.written and "cis_fx_rate_current" in sql:
            read.add("cis_fx_rate")
        assert not read, f"reads {', '.join(sorted(read))} after writing it in the same unit"

    def _writes_to(self, table: str) -> None:
        self.written.add(table_spec(table).name)

    def insert(self, table: str, rows: Rows) -> None:
        self._writes_to(table)
        super().insert(table, rows)

    def insert_new(self, table: str, rows: Rows) -> list[Mapping[str, Any]]:
        self._writes_to(table)
        return super().insert_new(table, rows)

    def upsert(self, table: str, rows: Rows) -> None:
        self._writes_to(table)
        super().upsert(table, rows)

    def update(self, table: str, changes: Mapping[str, Any], where: Mapping[str, Any]) -> int:
        self._writes_to(table)
        return super().update(table, changes, where)

    def delete(self, table: str, where: Mapping[str, Any]) -> int:
        self._writes_to(table)
        return super().delete(table, where)


# -- the warehouse ---------------------------------------------------------------------------

class KuduOnDuckDB(DuckDBWarehouse):
    """A DuckDB file written as Impala writes Kudu: :class:`RowUnitOfWork` and claims.

    With ``refuse_reads_after_writes`` a unit of work that reads a table after
    writing to it fails the test (for stores that must not depend on what the
    unit wrote: it is not there until the unit ends). ``units`` counts the units
    of work that ended without an error.
    """

    engine = "kudu-on-duckdb"

    def __init__(self, path: Path | str, lock_timeout: float = 120.0, *,
                 refuse_reads_after_writes: bool = False) -> None:
        super().__init__(path, lock_timeout)
        self.refuse_reads_after_writes = refuse_reads_after_writes
        self.writer = DuckDBRowWriter()
        self.units = 0
        self._control_writes = threading.local()

    def __repr__(self) -> str:
        return f"KuduOnDuckDB({str(self.path)!r})"

    @classmethod
    def over(cls, warehouse: DuckDBWarehouse, *, refuse_reads_after_writes: bool = False
             ) -> KuduOnDuckDB:
        """The file of ``warehouse``, written as Kudu is, with the store and claims tables."""
        kudu = cls(warehouse.path, warehouse.lock_timeout,
                   refuse_reads_after_writes=refuse_reads_after_writes)
        kudu.ensure_store_schema()
        return kudu

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        with self.connect() as con:
            def run(sql: str, params: Sequence[Any]) -> list[dict[str, Any]]:
                check_portable(sql)
                cursor = con.execute(sql, list(params))
                names = [d[0] for d in cursor.description]
                return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

            def execute(statement: str) -> None:
                with _STATEMENTS:
                    con.execute(statement)  # autocommits, as each Kudu statement does

            unit = KuduUnitOfWork(run, execute, self.writer,
                                  refuse_reads_after_writes=self.refuse_reads_after_writes)
            yield unit
            unit.commit()
        self.units += 1

    # -- raw SQL -----------------------------------------------------------------------------
    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        if not getattr(self._control_writes, "allowed", False):
            raise RawSqlWrite(f"raw SQL on the warehouse: {sql[:80]}")
        super().execute(sql, params)

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        check_portable(sql)
        return super().query(sql, params)

    @contextmanager
    def _control_tables(self) -> Iterator[None]:
        """Let the tables outside the transactional set (the load history) be written with SQL."""
        self._control_writes.allowed = True
        try:
            yield
        finally:
            self._control_writes.allowed = False

    def append(self, table: str, row: Mapping[str, Any]) -> None:
        with self._control_tables():
            super().append(table, row)

    def run_sql_file(self, name: str) -> None:
        raise AssertionError(f"engine-specific script {name}")

    # -- schema ------------------------------------------------------------------------------
    def ensure_store_schema(self) -> None:
        """The DuckDB tables, the claims table, and a unique index on every Kudu key."""
        super().ensure_store_schema()
        claims = table_spec(CLAIMS)
        columns = [f"{c} {t}" for c, t in zip(claims.columns, claims.types, strict=True)]
        with self.connect() as con:
            con.execute(f"CREATE TABLE IF NOT EXISTS {claims.qualified} ("
                        f"{', '.join(columns)}, PRIMARY KEY ({', '.join(claims.key)}))")
            unique = {(r[0], tuple(r[1])) for r in con.execute(
                "SELECT table_name, constraint_column_names FROM duckdb_constraints() "
                "WHERE schema_name = 'gmp_cis' "
                "AND constraint_type IN ('PRIMARY KEY', 'UNIQUE')").fetchall()}
            for spec in table_specs().values():
                if (spec.name, spec.key) not in unique:
                    con.execute(f"CREATE UNIQUE INDEX IF NOT EXISTS {spec.name}__kudu_key "
                                f"ON {spec.qualified} ({', '.join(spec.key)})")
