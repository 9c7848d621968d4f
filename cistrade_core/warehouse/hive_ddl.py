"""Hive and Impala DDL of partitioned tables.

Each table is an ``EXTERNAL`` table partitioned by its date column over
header-less, pipe-delimited text files (an empty field is NULL), one directory
per table under ``${gmp_data_uri}``, one sub-directory ``<column>=YYYY-MM-DD``
per partition. The statement text is the same for Hive and Impala.
``${gmp_data_uri}`` is filled in when the script runs (or with
``beeline --hivevar``).
"""

from __future__ import annotations

from cistrade_core.warehouse.ddl import SCHEMA, column_type
from cistrade_core.warehouse.partitioned import PartitionedTable
from cistrade_core.warehouse.sqltext import escape_text

ENGINES = ("hive", "impala")
DATA_URI_VARIABLE = "gmp_data_uri"


def external_table_ddl(table: PartitionedTable, engine: str = "hive") -> str:
    """``CREATE EXTERNAL TABLE`` plus the latest-partition view of one table."""
    if engine not in ENGINES:
        raise ValueError(f"no Hive-style DDL for engine {engine!r}")
    last = len(table.columns) - 1
    cols = "\n".join(
        f"    {c.name} {column_type('hive', c.type)} "
        f"COMMENT '{escape_text(c.comment)}'"
        + ("" if i == last else ",")
        for i, c in enumerate(table.columns)
    )
    part = table.partition_column
    return (
        f"CREATE EXTERNAL TABLE IF NOT EXISTS {table.qualified} (\n{cols}\n)\n"
        f"COMMENT '{escape_text(table.description)}'\n"
        f"PARTITIONED BY ({part} DATE)\n"
        "ROW FORMAT DELIMITED FIELDS TERMINATED BY '|' LINES TERMINATED BY '\\n'\n"
        "STORED AS TEXTFILE\n"
        f"LOCATION '${{{DATA_URI_VARIABLE}}}/{table.name}'\n"
        "TBLPROPERTIES ('serialization.null.format' = '');\n"
        f"CREATE VIEW IF NOT EXISTS {SCHEMA}.{table.current_view} AS\n"
        f"SELECT * FROM {table.qualified}\n"
        f"WHERE {part} = (SELECT max({part}) FROM {table.qualified});\n"
    )
