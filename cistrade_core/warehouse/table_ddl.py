"""The DDL of the transactional tables, rendered from their declarations.

:mod:`cistrade_core.warehouse.definitions` declares each table once; this module
renders it for DuckDB (``sql/duckdb/{core,fx,report}_tables.sql``), for Kudu
through Impala (``sql/impala/kudu_tables.sql``) and as Hive row logs
(``sql/hive/row_log_tables.sql``: each changeable table a Parquet log of row
versions under a view showing the newest version of each key; append-only
tables plain Parquet tables). ``cistrade sql render`` writes the files,
``--check`` (and the tests) fail when one drifts.
"""

from __future__ import annotations

from cistrade_core.config import SQL_DIR
from cistrade_core.warehouse.ddl import SCHEMA
from cistrade_core.warehouse.sqltext import column_name, escape_text
from cistrade_core.warehouse.tables import TableSpec, View, table_specs

KUDU_FILE = "impala/kudu_tables.sql"
KUDU_DDL = SQL_DIR / KUDU_FILE
ROW_LOG_FILE = "hive/row_log_tables.sql"
DUCKDB_FILES = {
    "core_tables.sql": (
        "Core tables: ACL, sessions, portfolios with their history, UDFs, audit log and\n"
        "the mail outbox (DuckDB). Timestamps are naive UTC. JSON is kept as text\n"
        "so the same columns map onto Kudu STRING columns."),
    "fx_tables.sql": (
        "FX rates from the market-data providers (DuckDB). Timestamps are naive UTC."),
    "report_tables.sql": "Every report run and its delivery (DuckDB).",
}
#: Kudu range partitions by year: everything older in the first, then one per year.
FIRST_YEAR, LAST_YEAR = 2025, 2031
#: Extra columns of a row log (Hive): version order and deletion marker.
LOG_SEQ, LOG_DELETED = "row_seq", "row_deleted"

_GENERATED = ("Generated from cistrade_core.warehouse.definitions by `cistrade sql render`;\n"
              "do not edit by hand (tests/warehouse/test_table_ddl.py checks it is in sync).")

_KUDU_HEAD = """\
CisTrade's transactional tables in Kudu, created through Impala (database gmp_cis)
by `cistrade db upgrade`; every statement is idempotent. Timestamps are naive UTC.
JSON is kept as STRING.

Kudu rules that shape these tables:
 * the primary-key columns come first, in key order, and are NOT NULL;
 * partition columns must be key columns, so a column that changes (a
   portfolio's status) cannot be one: the tables that change are hash
   partitioned on their key, and a filter on status is pushed down to Kudu;
 * the append-only tables (history, audit log, FX rates) are also range
   partitioned by their date, one range per year: queries over a period read
   only that period's tablets, and an old year can be dropped whole. Ranges up
   to 2031 exist; add a year with sql/impala/kudu_add_year.sql before it starts;
 * there are no UNIQUE, CHECK or FOREIGN KEY constraints: the library enforces
   them (login uniqueness, status values, references);
 * writes are UPSERT (by key) or INSERT, in batches, through Impala;
 * there are no multi-statement transactions: a unit of work first claims the
   rows it changes in cis_row_claim (an INSERT keeps only the first claim of a
   key), then writes (see cistrade_core.warehouse.rowstore)."""


def _comment_lines(text: str) -> str:
    return "".join(f"-- {line}".rstrip() + "\n" for line in text.splitlines())


def _views() -> tuple[View, ...]:
    from cistrade_core.warehouse.definitions import VIEWS

    return VIEWS


def year_ranges(spec: TableSpec) -> list[tuple[str | None, str]]:
    """The Kudu range partitions of a table partitioned ``by_year``: (lower, upper)."""
    if not spec.by_year:
        return []
    bounds = [f"{y:04d}-01-01 00:00:00" for y in range(FIRST_YEAR, LAST_YEAR + 2)]
    return [(None, bounds[0]), *zip(bounds[:-1], bounds[1:], strict=True)]


# -- Kudu ------------------------------------------------------------------------------------

def kudu_table_ddl(spec: TableSpec) -> str:
    width = max(len(column_name(c)) for c in spec.columns)
    type_width = max(len(t) for t in spec.types)
    lines = []
    for name in spec.columns:
        col = spec.column(name)
        text = f"    {column_name(name):<{width}} {col.type:<{type_width}}"
        if not col.nullable:
            text += " NOT NULL"
        if col.comment:
            text += f" COMMENT '{escape_text(col.comment)}'"
        lines.append(text.rstrip() + ",")
    lines.append(f"    PRIMARY KEY ({', '.join(spec.key)})")
    partition = f"PARTITION BY HASH ({spec.key[0]}) PARTITIONS {spec.hash_partitions}"
    if spec.by_year:
        ranges = ",\n".join(
            f"    PARTITION {f'{lo!r} <= ' if lo else ''}VALUES < {hi!r}"
            for lo, hi in year_ranges(spec))
        partition += f",\nRANGE ({spec.by_year}) (\n{ranges}\n)"
    return (_comment_lines(spec.comment)
            + f"CREATE TABLE IF NOT EXISTS {spec.qualified} (\n" + "\n".join(lines) + "\n)\n"
            + partition + "\nSTORED AS KUDU;\n")


def render_kudu() -> str:
    """``sql/impala/kudu_tables.sql``."""
    parts = [_comment_lines(_KUDU_HEAD) + _comment_lines(_GENERATED)
             + f"\nCREATE DATABASE IF NOT EXISTS {SCHEMA};\n"]
    parts += [kudu_table_ddl(spec) for spec in table_specs().values()]
    parts += [_comment_lines(v.comment) + f"CREATE VIEW IF NOT EXISTS {v.qualified} AS\n"
              f"{v.select};\n" for v in _views()]
    return "\n".join(parts)


# -- DuckDB ----------------------------------------------------------------------------------

def _duckdb_type(portable: str) -> str:
    if portable.startswith("DECIMAL"):
        return portable.replace(",", ", ")
    return {"STRING": "VARCHAR", "INT": "INTEGER"}.get(portable, portable)


def duckdb_table_ddl(spec: TableSpec) -> str:
    names = [c.name for c in spec.cols]
    width = max(len(n) for n in names)
    type_width = max(len(_duckdb_type(c.type)) for c in spec.cols)
    key = spec.key if spec.duckdb_key is None else spec.duckdb_key
    items = []
    for col in spec.cols:
        text = f"{col.name:<{width}} {_duckdb_type(col.type):<{type_width}}"
        if not col.nullable:
            text += " NOT NULL"
        if col.unique:
            text += " UNIQUE"
        if col.allowed:
            text += f" CHECK ({col.name} IN ({', '.join(repr(a) for a in col.allowed)}))"
        items.append((text.rstrip(), col.comment))
    if key:
        items.append((f"PRIMARY KEY ({', '.join(key)})", ""))
    lines = []
    for i, (text, comment) in enumerate(items):
        line = f"    {text}{'' if i == len(items) - 1 else ','}"
        lines.append(f"{line}  -- {comment}" if comment else line)
    return (_comment_lines(spec.comment)
            + f"CREATE TABLE IF NOT EXISTS {spec.qualified} (\n" + "\n".join(lines) + "\n);\n")


def render_duckdb(file: str) -> str:
    """``sql/duckdb/<file>``: the tables (and views) declared for that file."""
    parts = [_comment_lines(DUCKDB_FILES[file]) + _comment_lines(_GENERATED)
             + f"CREATE SCHEMA IF NOT EXISTS {SCHEMA};\n"]
    parts += [duckdb_table_ddl(spec) for spec in table_specs().values()
              if spec.duckdb and spec.ddl_file == file]
    parts += [_comment_lines(v.comment) + f"CREATE OR REPLACE VIEW {v.qualified} AS\n"
              f"{v.select};\n" for v in _views() if v.ddl_file == file]
    return "\n".join(parts)


# -- Hive row logs ---------------------------------------------------------------------------

def row_log_table(spec: TableSpec) -> str:
    """Where a table's rows are written on Hive: itself, or its row log."""
    return spec.qualified if spec.append_only else f"{spec.qualified}__log"


def row_log_statements() -> list[str]:
    """Idempotent Hive DDL of every transactional table and view, as row logs."""
    statements = [f"CREATE DATABASE IF NOT EXISTS {SCHEMA}"]
    for spec in table_specs().values():
        columns = [f"{column_name(c)} {t}" for c, t in zip(spec.columns, spec.types, strict=True)]
        if not spec.append_only:
            columns += [f"{LOG_SEQ} STRING", f"{LOG_DELETED} BOOLEAN"]
        statements.append(f"CREATE TABLE IF NOT EXISTS {row_log_table(spec)} ("
                          + ", ".join(columns) + ") STORED AS PARQUET")
        if not spec.append_only:
            statements.append(
                f"CREATE VIEW IF NOT EXISTS {spec.qualified} AS SELECT "
                f"{', '.join(map(column_name, spec.columns))} "
                "FROM (SELECT v.*, row_number() OVER ("
                f"PARTITION BY {', '.join(spec.key)} ORDER BY {LOG_SEQ} DESC) AS row_rank "
                f"FROM {row_log_table(spec)} AS v) AS newest "
                f"WHERE row_rank = 1 AND NOT {LOG_DELETED}")
    statements += [f"CREATE VIEW IF NOT EXISTS {v.qualified} AS\n{v.select}" for v in _views()]
    return statements


def render_row_logs() -> str:
    """``sql/hive/row_log_tables.sql``."""
    head = _comment_lines("CisTrade's transactional tables on Hive, as row logs, created by "
                          "`cistrade db upgrade`.\n" + _GENERATED)
    return head + "".join(f"{s};\n" for s in row_log_statements())


def rendered_files() -> dict[str, str]:
    """Every rendered file of the transactional tables, path relative to ``sql/`` -> text."""
    files = {f"duckdb/{name}": render_duckdb(name) for name in DUCKDB_FILES}
    files[KUDU_FILE] = render_kudu()
    files[ROW_LOG_FILE] = render_row_logs()
    return files
