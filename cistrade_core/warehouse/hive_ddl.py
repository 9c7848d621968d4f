"""DDL of the GMP feed tables for Hive and Impala, rendered from the feed definitions.

Each feed is an ``EXTERNAL`` table partitioned by ``business_date`` over
header-less, pipe-delimited text files (an empty field is NULL, as in the GMP
files), one directory per table under ``${gmp_data_uri}``, one sub-directory
``business_date=YYYY-MM-DD`` per loaded day. The statement text is the same for
Hive and Impala; the files are kept per engine so that each can change alone.
``${gmp_data_uri}`` is filled in when the script runs (or with
``beeline --hivevar``).
"""

from __future__ import annotations

from cistrade_core.config import SQL_DIR
from cistrade_core.feeds import FEEDS, Feed
from cistrade_core.warehouse.ddl import SCHEMA, column_type
from cistrade_core.warehouse.sqltext import escape_text

ENGINES = ("hive", "impala")
FEED_TABLES_FILE = "gmp_feed_tables.sql"
DATA_URI_VARIABLE = "gmp_data_uri"
PARTITION_COLUMN = "business_date"


def feed_table_ddl(feed: Feed, engine: str = "hive") -> str:
    """``CREATE EXTERNAL TABLE`` plus the current-day view for one feed."""
    if engine not in ENGINES:
        raise ValueError(f"no Hive-style DDL for engine {engine!r}")
    last = len(feed.columns) - 1
    cols = "\n".join(
        f"    {c.name} {column_type('hive', c.sql_type)} "
        f"COMMENT '{escape_text(f'{c.type_label}: {c.description}')}'"
        + ("" if i == last else ",")
        for i, c in enumerate(feed.columns)
    )
    table = f"{SCHEMA}.{feed.table}"
    return (
        f"CREATE EXTERNAL TABLE IF NOT EXISTS {table} (\n{cols}\n)\n"
        f"COMMENT 'GMP feed {feed.name}: {escape_text(feed.description)}'\n"
        f"PARTITIONED BY ({PARTITION_COLUMN} DATE)\n"
        "ROW FORMAT DELIMITED FIELDS TERMINATED BY '|' LINES TERMINATED BY '\\n'\n"
        "STORED AS TEXTFILE\n"
        f"LOCATION '${{{DATA_URI_VARIABLE}}}/{feed.table}'\n"
        "TBLPROPERTIES ('serialization.null.format' = '');\n"
        f"CREATE VIEW IF NOT EXISTS {SCHEMA}.{feed.current_view} AS\n"
        f"SELECT * FROM {table}\n"
        f"WHERE {PARTITION_COLUMN} = (SELECT max({PARTITION_COLUMN}) FROM {table});\n"
    )


def render_feed_tables(engine: str = "hive") -> str:
    """The DDL of every feed, as kept in ``sql/<engine>/gmp_feed_tables.sql``."""
    head = (
        "-- Generated from cistrade_core.feeds.definitions by `cistrade sql render`.\n"
        "-- Do not edit by hand; tests/warehouse/test_hive_sql.py checks it is in sync.\n"
        f"-- ${{{DATA_URI_VARIABLE}}}: the directory (URI) holding one directory per table,\n"
        "-- e.g. hdfs://nameservice1/data/gmp_cis; the GMP load writes the day's\n"
        "-- header-less pipe-delimited file under <table>/business_date=YYYY-MM-DD/.\n"
        f"CREATE DATABASE IF NOT EXISTS {SCHEMA};\n\n"
    )
    return head + "\n".join(feed_table_ddl(f, engine) for f in FEEDS.values())


def rendered_files() -> dict[str, str]:
    """Every generated Hive/Impala SQL file, path relative to ``sql/`` -> text."""
    return {f"{engine}/{FEED_TABLES_FILE}": render_feed_tables(engine) for engine in ENGINES}


def feed_tables_path(engine: str):
    return SQL_DIR / engine / FEED_TABLES_FILE
