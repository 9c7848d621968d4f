"""Kudu tables through Impala: the declarations checked against Kudu's rules, the writes and
the pool for real.

No Kudu or Impala runs here. The table declarations (``cistrade_core.warehouse.definitions``,
from which ``kudu_tables.sql`` is rendered) are checked against Kudu's rules; the batched
writes and the connection pool run against the real HiveServer2, into Parquet tables with
the same columns (INSERT is portable; UPSERT is Impala/Kudu-only and is checked by its text).
"""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from cistrade_core.config import SQL_DIR
from cistrade_core.warehouse.pool import ConnectionPool, PoolTimeout
from cistrade_core.warehouse.rowstore import KuduRowWriter
from cistrade_core.warehouse.sqltext import HIVE, IMPALA, bind, column_name, split_statements
from cistrade_core.warehouse.table_ddl import kudu_table_ddl, year_ranges
from cistrade_core.warehouse.tables import Col, TableSpec, TableSpecError, table_specs

KUDU_TABLES = ("cis_portfolio", "cis_portfolio_history", "cis_audit_log", "cis_udf_master",
               "cis_udf_value", "cis_fx_rate", "cis_acl_user", "cis_acl_group",
               "cis_acl_permission", "cis_acl_user_group", "cis_mail_outbox")
DATE_PARTITIONED = {"cis_portfolio_history": "action_at", "cis_audit_log": "event_time",
                    "cis_fx_rate": "provider_ts"}
KUDU_TYPES = re.compile(r"^(STRING|BIGINT|INT|BOOLEAN|TIMESTAMP|DATE|DOUBLE|DECIMAL\(\d+,\d+\))$")


@pytest.fixture(scope="module")
def tables():
    return table_specs()


def test_every_core_table_is_a_kudu_table(tables):
    assert set(KUDU_TABLES) <= set(tables)
    for name in KUDU_TABLES:
        t = tables[name]
        assert t.qualified == f"gmp_cis.{name}"
        assert kudu_table_ddl(t).rstrip().endswith("STORED AS KUDU;")
        assert all(KUDU_TYPES.match(c.type) for c in t.cols), name


@pytest.mark.parametrize("name", KUDU_TABLES)
def test_primary_key_and_partitioning_follow_kudu_rules(tables, name):
    t = tables[name]
    key = list(t.key)
    ddl = kudu_table_ddl(t)
    # Key columns first, in key order, NOT NULL.
    assert list(t.columns[:len(key)]) == key
    assert all(not t.column(c).nullable for c in key)
    body = ddl[ddl.index("(", ddl.index("CREATE TABLE")) + 1:ddl.index("PRIMARY KEY")]
    assert [line.split()[0].strip("`") for line in body.splitlines() if line.strip()][
        :len(key)] == key
    assert f"PRIMARY KEY ({', '.join(key)})" in ddl
    # Partition columns are key columns; at least two hash buckets.
    assert f"PARTITION BY HASH ({key[0]}) PARTITIONS {t.hash_partitions}" in ddl
    assert t.hash_partitions >= 2
    if name in DATE_PARTITIONED:
        assert t.by_year == DATE_PARTITIONED[name] in key
        assert t.column(t.by_year).type == "TIMESTAMP"
        assert f"RANGE ({t.by_year}) (" in ddl
        ranges = year_ranges(t)
        assert all(f"VALUES < '{hi}'" in ddl for _, hi in ranges)
        lowers = [lo for lo, _ in ranges]
        uppers = [hi for _, hi in ranges]
        assert lowers[0] is None and None not in uppers  # everything older in the first range
        assert lowers[1:] == uppers[:-1]  # contiguous, no gap, no overlap
        bounds = [datetime.fromisoformat(u) for u in uppers]
        assert bounds == sorted(bounds)
        assert bounds[-1].year >= datetime.now().year + 2
    else:
        assert t.by_year is None and not year_ranges(t) and "RANGE" not in ddl


def test_status_is_a_column_not_a_key_of_the_portfolio(tables):
    portfolio = tables["cis_portfolio"]
    assert "status" in portfolio.columns and "status" not in portfolio.key


@pytest.mark.parametrize("name", KUDU_TABLES)
def test_columns_match_the_duckdb_tables_when_present(tables, name):
    """Once the DuckDB DDL of a table is in sql/duckdb, both must have the same columns."""
    duck = {}
    for path in (SQL_DIR / "duckdb").glob("*.sql"):
        for statement in split_statements(path.read_text()):
            m = re.match(rf"CREATE TABLE IF NOT EXISTS gmp_cis\.{name} \((.*)\)$", statement, re.S)
            if m:
                duck = {line.split()[0] for line in m.group(1).splitlines()
                        if line.strip() and not line.strip().upper().startswith(
                            ("PRIMARY", "UNIQUE", "CHECK", "FOREIGN", "--"))
                        and line.split()[0].upper() != line.split()[0]}
    if duck:  # the table's DuckDB DDL is part of this tree
        assert duck == set(tables[name].columns)


def test_declarations_reject_what_kudu_rejects():
    with pytest.raises(TableSpecError, match="no PRIMARY KEY"):
        TableSpec("x", None, (Col("a", "STRING", nullable=False),), key=())
    with pytest.raises(TableSpecError, match="cannot store column"):
        TableSpec("x", None, (Col("a", "ARRAY<INT>", nullable=False),), key=("a",))
    with pytest.raises(TableSpecError, match="must be a NOT NULL column"):
        TableSpec("x", None, (Col("a", "STRING"),), key=("a",))
    with pytest.raises(TableSpecError, match="TIMESTAMP key column"):
        TableSpec("x", None, (Col("a", "STRING", nullable=False), Col("t", "TIMESTAMP")),
                  key=("a",), by_year="t")


def test_add_year_statements():
    statements = split_statements((SQL_DIR / "impala" / "kudu_add_year.sql").read_text())
    assert len(statements) == len(DATE_PARTITIONED)
    params = {"year_start": "2032-01-01 00:00:00", "year_end": "2033-01-01 00:00:00"}
    recorded = [bind(s, params, dialect=IMPALA) for s in statements]
    for statement, table in zip(recorded, DATE_PARTITIONED, strict=True):
        assert " ".join(statement.split()) == (
            f"ALTER TABLE gmp_cis.{table} ADD IF NOT EXISTS RANGE PARTITION "
            "'2032-01-01 00:00:00' <= VALUES < '2033-01-01 00:00:00'")


def _fx_rows(n: int) -> list[dict]:
    start = datetime(2026, 11, 27, 9, 0)
    return [{
        "pair": f"EUR{c}", "provider_ts": start + timedelta(minutes=15 * i),
        "source": "bloomberg" if i % 2 else "reuters", "base_ccy": "EUR", "quote_ccy": c,
        "bid": Decimal("1.0812345678"), "ask": Decimal("1.0814345678"),
        "mid": Decimal("1.0813345678"), "source_id": f"EUR{c} BGN Curncy", "run_id": "r1",
        "loaded_at": start,
    } for i in range(n) for c in ("USD",)]


def test_upsert_batches_have_the_impala_shape(tables):
    store = KuduRowWriter(batch_size=40)
    statements = list(store.statements("UPSERT", "cis_fx_rate", _fx_rows(100)))
    assert len(statements) == 3
    head = ("UPSERT INTO gmp_cis.cis_fx_rate (pair, provider_ts, source, base_ccy, quote_ccy, "
            "bid, ask, mid, source_id, run_id, loaded_at) VALUES (")
    assert all(s.startswith(head) for s in statements)
    assert statements[0].count("), (") == 39 and statements[2].count("), (") == 19
    assert "CAST('2026-11-27 09:00:00' AS TIMESTAMP)" in statements[0]
    # A statement never grows past the size limit, whatever the batch size.
    small = KuduRowWriter(batch_size=1000, max_statement_chars=2_000)
    assert all(len(s) <= 2_000 for s in small.statements("UPSERT", "cis_fx_rate", _fx_rows(50)))


def test_writes_are_checked_before_anything_is_sent(tables):
    store = KuduRowWriter()
    row = _fx_rows(1)[0]
    with pytest.raises(KeyError, match="no Kudu table"):
        list(store.statements("UPSERT", "cis_nothing", [row]))
    with pytest.raises(ValueError, match="no such columns"):
        list(store.statements("UPSERT", "cis_fx_rate", [{**row, "colour": "red"}]))
    with pytest.raises(ValueError, match="needs columns"):
        list(store.statements("UPSERT", "cis_fx_rate", [{"pair": "EURUSD", "mid": 1}]))
    with pytest.raises(ValueError, match="NOT NULL"):
        list(store.statements("INSERT", "cis_fx_rate", [{**row, "bid": None}]))
    with pytest.raises(ValueError, match="unknown write verb"):
        list(store.statements("MERGE", "cis_fx_rate", [row]))


# -- against the real HiveServer2 -----------------------------------------------------------

@pytest.fixture
def hs2_pool(hive_env):
    from pyhive import hive

    def connect():
        return hive.connect(host=hive_env.server.host, port=hive_env.port, username="cistrade")

    pool = ConnectionPool(connect, max_size=2, check_after=3600, wait_timeout=1)
    with pool.connection() as conn:
        cursor = conn.cursor()
        cursor.execute("CREATE DATABASE gmp_cis")
        cursor.close()
    yield pool
    pool.close()


def test_batched_inserts_and_the_fx_view_run_on_hiveserver2(hs2_pool, tables):
    """Same columns, Parquet instead of Kudu: the INSERT batches and the view are portable."""
    fx = tables["cis_fx_rate"]
    with hs2_pool.connection() as conn:
        cursor = conn.cursor()
        cursor.execute("CREATE TABLE gmp_cis.cis_fx_rate (" + ", ".join(
            f"{column_name(c)} {t}" for c, t in zip(fx.columns, fx.types, strict=True))
            + ") STORED AS PARQUET")
        view = next(s for s in split_statements((SQL_DIR / "impala" / "kudu_tables.sql")
                                                .read_text()) if s.startswith("CREATE VIEW"))
        cursor.execute(view)
        cursor.close()
    writer = KuduRowWriter(HIVE, batch_size=40)
    rows = _fx_rows(100)
    statements = writer.statements("INSERT", "cis_fx_rate", rows)
    with hs2_pool.connection() as conn:
        for statement in statements:
            cursor = conn.cursor()
            cursor.execute(statement)
            cursor.close()
    assert (sum(s.count("), (") + 1 for s in statements), len(statements)) == (100, 3)
    with hs2_pool.connection() as conn:
        cursor = conn.cursor()
        cursor.execute("SELECT count(*), min(provider_ts), max(mid) FROM gmp_cis.cis_fx_rate")
        count, first, top = cursor.fetchall()[0]
        cursor.execute("SELECT pair, provider_ts FROM gmp_cis.cis_fx_rate_current")
        current = cursor.fetchall()
        cursor.close()
    assert (count, first, Decimal(str(top))) == (100, rows[0]["provider_ts"],
                                                 Decimal("1.0813345678"))
    assert current == [("EURUSD", rows[-1]["provider_ts"])]


def test_pool_reuses_connections_and_replaces_a_broken_one(hs2_pool):
    def one():
        with hs2_pool.connection() as conn:
            cursor = conn.cursor()
            cursor.execute("SELECT 1")
            assert cursor.fetchall() == [(1,)]
            cursor.close()
            return conn

    first = one()
    assert one() is first
    assert (hs2_pool.stats.opened, hs2_pool.stats.replaced) == (1, 0)

    first.close()  # the session dies behind the pool's back (server restart, idle timeout)
    hs2_pool.check_after = 0
    replacement = one()
    assert replacement is not first
    assert (hs2_pool.stats.checked, hs2_pool.stats.replaced) == (1, 1)
    hs2_pool.check_after = 3600

    # The pool never holds more than max_size connections.
    with hs2_pool.connection(), hs2_pool.connection():
        began = time.monotonic()
        with pytest.raises(PoolTimeout), hs2_pool.connection():
            pass
        assert time.monotonic() - began < 5
