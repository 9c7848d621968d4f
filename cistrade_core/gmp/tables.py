"""The GMP feed tables as the warehouse sees them, and their generated DDL files.

Each feed is a :class:`~cistrade_core.warehouse.partitioned.PartitionedTable`
(partitioned by ``business_date``) built from its definition in
:mod:`cistrade_core.feeds.definitions`; ``sql/<engine>/gmp_feed_tables.sql`` is
rendered from these (``cistrade sql render``; tests fail when a file drifts).
"""

from __future__ import annotations

from functools import cache

from cistrade_core.config import SQL_DIR
from cistrade_core.feeds import FEEDS, Feed
from cistrade_core.warehouse.ddl import SCHEMA, partitioned_table_ddl
from cistrade_core.warehouse.hive_ddl import DATA_URI_VARIABLE, external_table_ddl
from cistrade_core.warehouse.partitioned import DataColumn, PartitionedTable

FEED_TABLES_FILE = "gmp_feed_tables.sql"
CONTROL_TABLES_FILE = "gmp_control_tables.sql"
HIVE_ENGINES = ("hive", "impala")
#: The load history, written by :class:`cistrade_core.gmp.store.GmpStore`.
LOAD_HISTORY = "gmp_load_history"


@cache
def feed_table(feed: Feed) -> PartitionedTable:
    """The warehouse table of ``feed``: its contract columns, partitioned by business date."""
    return PartitionedTable(
        name=feed.table,
        columns=tuple(DataColumn(c.name, c.sql_type, c.nullable,
                                 f"{c.type_label}: {c.description}") for c in feed.columns),
        label=feed.name,
        description=f"GMP feed {feed.name}: {feed.description}",
    )


def feed_tables() -> list[PartitionedTable]:
    return [feed_table(f) for f in FEEDS.values()]


def expected_tables() -> set[str]:
    """Every table and view the GMP load needs."""
    names = {LOAD_HISTORY}
    for table in feed_tables():
        names |= {table.name, table.current_view}
    return names


def render_feed_tables(engine: str = "duckdb") -> str:
    """The DDL of every feed, as kept in ``sql/<engine>/gmp_feed_tables.sql``."""
    if engine == "duckdb":
        head = (
            "-- Generated from cistrade_core.feeds.definitions by `cistrade sql render`.\n"
            "-- Do not edit by hand; tests/warehouse/test_ddl.py checks it is in sync.\n"
            f"CREATE SCHEMA IF NOT EXISTS {SCHEMA};\n\n"
        )
        return head + "\n".join(partitioned_table_ddl(t) for t in feed_tables())
    head = (
        "-- Generated from cistrade_core.feeds.definitions by `cistrade sql render`.\n"
        "-- Do not edit by hand; tests/warehouse/test_hive_sql.py checks it is in sync.\n"
        f"-- ${{{DATA_URI_VARIABLE}}}: the directory (URI) holding one directory per table,\n"
        "-- e.g. hdfs://nameservice1/data/gmp_cis; the GMP load writes the day's\n"
        "-- header-less pipe-delimited file under <table>/business_date=YYYY-MM-DD/.\n"
        f"CREATE DATABASE IF NOT EXISTS {SCHEMA};\n\n"
    )
    return head + "\n".join(external_table_ddl(t, engine) for t in feed_tables())


def rendered_files() -> dict[str, str]:
    """Every generated feed DDL file, path relative to ``sql/`` -> text."""
    return {f"{engine}/{FEED_TABLES_FILE}": render_feed_tables(engine)
            for engine in ("duckdb", *HIVE_ENGINES)}


def feed_tables_path(engine: str):
    return SQL_DIR / engine / FEED_TABLES_FILE
