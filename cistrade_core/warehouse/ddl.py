"""DuckDB DDL of partitioned tables, and the portable type names of every engine."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cistrade_core.warehouse.partitioned import PartitionedTable

SCHEMA = "gmp_cis"

#: How each portable type is spelled per engine.
_TYPE_NAMES = {
    "duckdb": {"STRING": "VARCHAR", "INT": "INTEGER", "DATE": "DATE", "TIMESTAMP": "TIMESTAMP"},
    "hive": {"STRING": "STRING", "INT": "INT", "DATE": "DATE", "TIMESTAMP": "TIMESTAMP"},
}


def column_type(engine: str, portable: str) -> str:
    return _TYPE_NAMES[engine][portable]


def partitioned_table_ddl(table: PartitionedTable) -> str:
    """``CREATE TABLE`` plus the latest-partition view of one table (DuckDB dialect)."""
    last = len(table.columns) - 1
    cols = "\n".join(
        f"    {c.name} {column_type('duckdb', c.type)}"
        + ("" if c.nullable else " NOT NULL")
        + ("" if i == last else ",")
        + (f"  -- {c.comment}" if c.comment else "")
        for i, c in enumerate(table.columns)
    )
    part = table.partition_column
    return (
        f"CREATE TABLE IF NOT EXISTS {table.qualified} (\n"
        f"    {part} DATE NOT NULL,\n{cols}\n);\n"
        f"CREATE OR REPLACE VIEW {SCHEMA}.{table.current_view} AS\n"
        f"    SELECT * FROM {table.qualified}\n"
        f"    WHERE {part} = (SELECT max({part}) FROM {table.qualified});\n"
    )


def cast_expression(table: PartitionedTable, engine: str = "duckdb") -> str:
    """``SELECT`` list turning the staged text columns into typed columns."""
    parts = []
    for c in table.columns:
        if c.type == "STRING":
            parts.append(c.name)
        elif c.type == "TIMESTAMP":
            parts.append(f"CAST(replace({c.name}, 'Z', '') AS TIMESTAMP) AS {c.name}")
        else:
            parts.append(f"CAST({c.name} AS {column_type(engine, c.type)}) AS {c.name}")
    return ", ".join(parts)
