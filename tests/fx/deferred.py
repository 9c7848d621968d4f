"""A warehouse that behaves like Impala/Kudu and Hive towards the stores, on DuckDB.

* writes are the row operations only (a raw statement fails the test);
* the writes of a unit of work are applied when it ends, so a read inside it
  does not see them, and a read of a table the unit of work already wrote to
  fails the test (it would get different answers on the other engines);
* every SQL read is checked for constructs Spark SQL or Impala reject, and no
  engine-specific script (``run_sql_file``) may be used.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date
from typing import Any

import pyarrow as pa

from cistrade_core.feeds import Feed
from cistrade_core.warehouse import LoadRecord, Transaction, Warehouse
from cistrade_core.warehouse.base import Rows
from cistrade_core.warehouse.tables import table_spec, where_sql

#: What DuckDB accepts and Spark SQL or Impala do not (or which writes).
NOT_PORTABLE = re.compile(
    r"\b(?:INSERT|UPDATE|DELETE|MERGE|UPSERT|QUALIFY|RETURNING|ILIKE|information_schema|"
    r"strftime|strptime|string_agg|list_\w+|struct_\w+|epoch\w*|date_diff|datediff|"
    r"date_trunc|THEN\s+INTERVAL)\b|::|ON\s+CONFLICT|FILTER\s*\(|\bINTERVAL\s+'",
    re.IGNORECASE,
)


def check_portable(sql: str) -> None:
    found = NOT_PORTABLE.search(sql)
    assert found is None, f"not portable: {found.group(0)!r} in {' '.join(sql.split())}"


class DeferredTransaction(Transaction):
    """Collects the row operations; :meth:`apply` runs them in one DuckDB transaction."""

    def __init__(self, inner: Warehouse) -> None:
        self.inner = inner
        self.pending: list[Callable[[Transaction], Any]] = []
        self.written: set[str] = set()

    def _write(self, table: str, op: Callable[[Transaction], Any]) -> None:
        self.written.add(table_spec(table).name)
        self.pending.append(op)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        raise AssertionError(f"raw statement in a unit of work: {sql[:80]}")

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        check_portable(sql)
        read = {t for t in self.written if re.search(rf"\b{t}\b", sql)}
        # the current-rate view reads cis_fx_rate
        if "cis_fx_rate" in self.written and "cis_fx_rate_current" in sql:
            read.add("cis_fx_rate")
        assert not read, f"reads {', '.join(sorted(read))} after writing it in the same unit"
        return self.inner.query(sql, params)

    def _matching(self, table: str, where: Mapping[str, Any]) -> list[dict[str, Any]]:
        spec = table_spec(table)
        condition, params = where_sql(dict(where))
        return self.inner.query(f"SELECT * FROM {spec.qualified} WHERE {condition}", params)

    def insert(self, table: str, rows: Rows) -> None:
        rows = [dict(r) for r in rows]
        self._write(table, lambda tx: tx.insert(table, rows))

    def insert_new(self, table: str, rows: Rows) -> list[Mapping[str, Any]]:
        spec = table_spec(table)
        have = {spec.key_of(r) for r in self.inner.query(
            f"SELECT {', '.join(spec.key)} FROM {spec.qualified}")}
        new = [dict(r) for r in rows if spec.key_of(dict(r)) not in have]
        self._write(table, lambda tx: tx.insert(table, new))
        return new

    def upsert(self, table: str, rows: Rows) -> None:
        rows = [dict(r) for r in rows]
        self._write(table, lambda tx: tx.upsert(table, rows))

    def update(self, table: str, changes: Mapping[str, Any], where: Mapping[str, Any]) -> int:
        n = len(self._matching(table, where))
        self._write(table, lambda tx: tx.update(table, changes, where))
        return n

    def delete(self, table: str, where: Mapping[str, Any]) -> int:
        n = len(self._matching(table, where))
        self._write(table, lambda tx: tx.delete(table, where))
        return n

    def apply(self) -> None:
        if self.pending:
            with self.inner.transaction() as tx:
                for op in self.pending:
                    op(tx)


class DeferredWarehouse(Warehouse):
    """``inner`` (DuckDB) seen through the rules of the engines without transactions."""

    engine = "deferred"

    def __init__(self, inner: Warehouse) -> None:
        self.inner = inner
        self.units = 0

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        raise AssertionError(f"raw statement: {sql[:80]}")

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        check_portable(sql)
        return self.inner.query(sql, params)

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        tx = DeferredTransaction(self.inner)
        yield tx
        self.units += 1
        tx.apply()

    def run_sql_file(self, name: str) -> None:
        raise AssertionError(f"engine-specific script {name}")

    def ensure_store_schema(self) -> None:
        self.inner.ensure_store_schema()

    def ensure_gmp_schema(self) -> None:
        self.inner.ensure_gmp_schema()

    def replace_feed_day(self, feed: Feed, business_date: date, data: pa.Table,
                         record: LoadRecord) -> int:
        return self.inner.replace_feed_day(feed, business_date, data, record)

    def refresh_feed_day(self, feed: Feed, business_date: date) -> str:
        return self.inner.refresh_feed_day(feed, business_date)

    def record_load(self, record: LoadRecord) -> None:
        self.inner.record_load(record)

    def record_alert(self, *args: Any, **kwargs: Any) -> None:
        self.inner.record_alert(*args, **kwargs)
