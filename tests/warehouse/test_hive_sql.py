"""The SQL files of the Hive and Impala engines, and the text tools that run them (no server)."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal

import pytest

from cistrade_core.config import SQL_DIR
from cistrade_core.feeds import FEEDS
from cistrade_core.gmp.tables import HIVE_ENGINES as ENGINES
from cistrade_core.gmp.tables import feed_tables_path, render_feed_tables
from cistrade_core.warehouse.sqltext import (
    HIVE,
    IMPALA,
    SqlTextError,
    bind,
    split_statements,
    substitute,
    tokenize,
)

ENGINE_FILES = sorted(p for engine in ENGINES for p in (SQL_DIR / engine).glob("*.sql"))
VARIABLES = {"gmp_data_uri": "hdfs://nameservice1/data/gmp_cis",
             "table": "gmp_cis.gmp_cis_sta_dly_currency"}
PARAMS = {"business_date": "2026-11-27", "location": "hdfs://nameservice1/data/x",
          "year_start": "2032-01-01 00:00:00", "year_end": "2033-01-01 00:00:00"}


@pytest.mark.parametrize("engine", ENGINES)
def test_generated_feed_ddl_is_in_sync(engine):
    assert feed_tables_path(engine).read_text() == render_feed_tables(engine), (
        "run `cistrade sql render`")


@pytest.mark.parametrize("path", ENGINE_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_engine_file_splits_binds_and_balances(path):
    statements = split_statements(substitute(path.read_text(), VARIABLES))
    assert statements
    for statement in statements:
        bound = bind(statement, PARAMS, dialect=IMPALA if "impala" in str(path) else HIVE)
        code = "".join(t.text for t in tokenize(bound) if t.kind == "code")
        assert code.count("(") == code.count(")"), statement
        assert "${" not in code and "?" not in code
        assert not re.search(r"(?<![\w:]):[A-Za-z_]", code), f"unbound parameter in {statement}"
        first = statement.split()[0].upper()
        assert first in {"CREATE", "ALTER", "REFRESH", "INVALIDATE"}, statement


def test_feed_tables_are_partitioned_external_text_tables():
    statements = split_statements(feed_tables_path("hive").read_text())
    tables = [s for s in statements if s.startswith("CREATE EXTERNAL TABLE")]
    views = [s for s in statements if s.startswith("CREATE VIEW")]
    assert len(tables) == len(views) == len(FEEDS)
    for feed, ddl in zip(FEEDS.values(), tables, strict=True):
        assert f"gmp_cis.{feed.table} (" in ddl
        for col in feed.columns:
            assert re.search(rf"^\s+{col.name} (STRING|INT|DATE|TIMESTAMP) COMMENT", ddl, re.M)
        assert "PARTITIONED BY (business_date DATE)" in ddl
        assert "FIELDS TERMINATED BY '|'" in ddl and "STORED AS TEXTFILE" in ddl
        assert f"LOCATION '${{gmp_data_uri}}/{feed.table}'" in ddl
        assert "'serialization.null.format' = ''" in ddl  # an empty field is NULL
        assert "skip.header.line.count" not in ddl  # the files have no header


def test_impala_only_statements_have_the_documented_shape():
    refresh = split_statements(substitute(
        (SQL_DIR / "impala" / "gmp_refresh_partition.sql").read_text(), VARIABLES))
    assert [bind(s, PARAMS, dialect=IMPALA) for s in refresh] == [
        "REFRESH gmp_cis.gmp_cis_sta_dly_currency PARTITION (business_date = '2026-11-27')"]
    invalidate = split_statements(substitute(
        (SQL_DIR / "impala" / "gmp_invalidate_table.sql").read_text(), VARIABLES))
    assert invalidate == ["INVALIDATE METADATA gmp_cis.gmp_cis_sta_dly_currency"]


# -- the text tools -------------------------------------------------------------------------

def test_placeholders_in_literals_comments_and_identifiers_are_left_alone():
    sql = "SELECT ?, '?', \"?\", `?` -- ?\n, /* ? */ ?"
    assert bind(sql, ["a", "b"]) == "SELECT 'a', '?', \"?\", `?` -- ?\n, /* ? */ 'b'"


def test_placeholder_count_must_match():
    with pytest.raises(SqlTextError, match="more \\? placeholders"):
        bind("SELECT ?, ?", [1])
    with pytest.raises(SqlTextError, match="more values"):
        bind("SELECT ?", [1, 2])
    with pytest.raises(SqlTextError, match="no value for :b"):
        bind("SELECT :a, :b", {"a": 1})


@pytest.mark.parametrize(("value", "hive", "impala"), [
    (None, "NULL", "NULL"),
    (True, "TRUE", "TRUE"),
    (42, "42", "42"),
    (Decimal("1.50"), "1.50", "1.50"),
    (date(2026, 11, 27), "DATE '2026-11-27'", "DATE '2026-11-27'"),
    (datetime(2026, 11, 28, 2, 0, 7), "TIMESTAMP '2026-11-28 02:00:07'",
     "CAST('2026-11-28 02:00:07' AS TIMESTAMP)"),
    ("it's \\ ${x}", "'it\\'s \\\\ \\u0024{x}'", "'it\\'s \\\\ ${x}'"),
])
def test_literals_per_dialect(value, hive, impala):
    assert HIVE.literal(value) == hive
    assert IMPALA.literal(value) == impala


def test_unbindable_values_are_refused():
    from datetime import UTC

    for bad in (float("nan"), datetime(2026, 1, 1, tzinfo=UTC), object()):
        with pytest.raises(SqlTextError):
            HIVE.literal(bad)


def test_scripts_split_outside_literals_and_comments():
    script = "CREATE A 'x;y'; -- not; a statement\nCREATE B /* ; */ (1);\n;\n"
    assert split_statements(script) == ["CREATE A 'x;y'", "CREATE B   (1)"]


def test_substitution_takes_identifiers_only_outside_literals():
    assert substitute("ALTER TABLE ${t} SET LOCATION '${u}/x'",
                      {"t": "gmp_cis.t", "u": "file:///it's"}) == (
        "ALTER TABLE gmp_cis.t SET LOCATION 'file:///it\\'s/x'")
    with pytest.raises(SqlTextError, match="not an identifier"):
        substitute("DROP TABLE ${t}", {"t": "x; DROP DATABASE gmp_cis"})
