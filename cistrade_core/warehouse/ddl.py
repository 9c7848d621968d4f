"""DDL for the GMP tables, rendered from the feed definitions for each engine."""

from __future__ import annotations

from cistrade_core.feeds import FEEDS, Feed

SCHEMA = "gmp_cis"

#: How each portable type is spelled per engine.
_TYPE_NAMES = {
    "duckdb": {"STRING": "VARCHAR", "INT": "INTEGER", "DATE": "DATE", "TIMESTAMP": "TIMESTAMP"},
    "hive": {"STRING": "STRING", "INT": "INT", "DATE": "DATE", "TIMESTAMP": "TIMESTAMP"},
}


def column_type(engine: str, portable: str) -> str:
    return _TYPE_NAMES[engine][portable]


def feed_table_ddl(feed: Feed, engine: str = "duckdb") -> str:
    """``CREATE TABLE`` plus the current-day view for one feed (DuckDB dialect)."""
    if engine != "duckdb":
        raise ValueError(f"no feed DDL renderer for engine {engine!r}")
    last = len(feed.columns) - 1
    cols = "\n".join(
        f"    {c.name} {column_type(engine, c.sql_type)}"
        + ("" if c.nullable else " NOT NULL")
        + ("" if i == last else ",")
        + f"  -- {c.type_label}: {c.description}"
        for i, c in enumerate(feed.columns)
    )
    return (
        f"CREATE TABLE IF NOT EXISTS {SCHEMA}.{feed.table} (\n"
        f"    business_date DATE NOT NULL,\n{cols}\n);\n"
        f"CREATE OR REPLACE VIEW {SCHEMA}.{feed.current_view} AS\n"
        f"    SELECT * FROM {SCHEMA}.{feed.table}\n"
        f"    WHERE business_date = (SELECT max(business_date) FROM {SCHEMA}.{feed.table});\n"
    )


def render_all(engine: str = "duckdb") -> str:
    """The DDL of every feed, as kept in ``sql/<engine>/gmp_feed_tables.sql``."""
    head = (
        "-- Generated from cistrade_core.feeds.definitions by `cistrade sql render`.\n"
        "-- Do not edit by hand; tests/warehouse/test_ddl.py checks it is in sync.\n"
        f"CREATE SCHEMA IF NOT EXISTS {SCHEMA};\n\n"
    )
    return head + "\n".join(feed_table_ddl(f, engine) for f in FEEDS.values())


def cast_expression(feed: Feed, engine: str = "duckdb") -> str:
    """``SELECT`` list turning the staged text columns into typed columns."""
    parts = []
    for c in feed.columns:
        if c.sql_type == "STRING":
            parts.append(c.name)
        elif c.sql_type == "TIMESTAMP":
            parts.append(f"CAST(replace({c.name}, 'Z', '') AS TIMESTAMP) AS {c.name}")
        else:
            parts.append(f"CAST({c.name} AS {column_type(engine, c.sql_type)}) AS {c.name}")
    return ", ".join(parts)
