"""DuckDB with the unit-of-work semantics of the engines without transactions.

On Impala (Kudu) and Hive the row operations of a unit of work are applied when
it ends, so a read inside it does not see its own writes; raw SQL writes are not
portable at all. :class:`DeferredWrites` wraps a DuckDB warehouse the same way:
inside ``transaction()`` reads go to DuckDB, row operations are only recorded
(``update`` and ``delete`` count their matches when called) and are applied, in
order, when the block ends. Running the core services on it shows that they
neither read their own writes nor write with SQL.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date
from typing import Any

import pyarrow as pa

from cistrade_core.feeds import Feed
from cistrade_core.warehouse import LoadRecord, Transaction, Warehouse
from cistrade_core.warehouse.tables import table_spec, where_sql


class RawSqlWrite(AssertionError):
    """A store module wrote with SQL instead of a row operation."""


class _DeferredTransaction(Transaction):
    def __init__(self, inner: Transaction) -> None:
        self.inner = inner
        self.pending: list[tuple[str, tuple[Any, ...]]] = []

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        raise RawSqlWrite(f"raw SQL in a unit of work: {sql[:80]}")

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        return self.inner.query(sql, params)

    def _matching(self, table: str, where: Mapping[str, Any]) -> int:
        condition, params = where_sql(dict(where))
        sql = f"SELECT count(*) AS n FROM {table_spec(table).qualified} WHERE {condition}"
        return self.inner.query(sql, params)[0]["n"]

    def insert(self, table: str, rows: Sequence[Mapping[str, Any]]) -> None:
        self.pending.append(("insert", (table, rows)))

    def insert_new(self, table: str, rows: Sequence[Mapping[str, Any]]
                   ) -> list[Mapping[str, Any]]:
        spec = table_spec(table)
        new = [r for r in rows if not self._matching(table, {c: r[c] for c in spec.key})]
        self.pending.append(("insert", (table, new)))
        return new

    def upsert(self, table: str, rows: Sequence[Mapping[str, Any]]) -> None:
        self.pending.append(("upsert", (table, rows)))

    def update(self, table: str, changes: Mapping[str, Any], where: Mapping[str, Any]) -> int:
        self.pending.append(("update", (table, changes, where)))
        return self._matching(table, where)

    def delete(self, table: str, where: Mapping[str, Any]) -> int:
        self.pending.append(("delete", (table, where)))
        return self._matching(table, where)

    def apply(self) -> None:
        for operation, args in self.pending:
            if operation == "insert" and not args[1]:
                continue
            getattr(self.inner, operation)(*args)


class DeferredWrites(Warehouse):
    """``inner`` (a DuckDB warehouse) applying each unit of work's writes at its end."""

    engine = "deferred"

    def __init__(self, inner: Warehouse) -> None:
        self.inner = inner
        self.units = 0

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        raise RawSqlWrite(f"raw SQL on the warehouse: {sql[:80]}")

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        return self.inner.query(sql, params)

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        with self.inner.transaction() as inner:
            tx = _DeferredTransaction(inner)
            yield tx
            tx.apply()
        self.units += 1

    def keep_open(self):
        return self.inner.keep_open()

    def run_sql_file(self, name: str) -> None:
        self.inner.run_sql_file(name)

    def ensure_store_schema(self) -> None:
        self.inner.ensure_store_schema()

    def ensure_gmp_schema(self) -> None:
        self.inner.ensure_gmp_schema()

    def replace_feed_day(self, feed: Feed, business_date: date, data: pa.Table,
                         record: LoadRecord) -> int:
        return self.inner.replace_feed_day(feed, business_date, data, record)

    def refresh_feed_day(self, feed: Feed, business_date: date) -> str:
        return self.inner.refresh_feed_day(feed, business_date)
