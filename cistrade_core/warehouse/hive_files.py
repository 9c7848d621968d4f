"""The files under the Hive/Impala external tables: where they go and what is in them.

Every partitioned table is a directory ``<root>/<table>`` holding one
sub-directory ``<column>=YYYY-MM-DD`` per partition, with one header-less,
pipe-delimited text file in it (an empty field is NULL). New files are written
under ``<root>/.staging`` (the same file system, outside every table) and
renamed into place.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from cistrade_core.config import Settings
from cistrade_core.warehouse.partitioned import PartitionedTable


@dataclass(frozen=True)
class DataLayout:
    """The directory tree of the external tables.

    ``root`` is where this process writes (a local path or a mount of the
    cluster's file system); ``uri`` is how the engine sees the same directory
    (``file:///...`` on one machine, ``hdfs://...`` on a cluster).
    """

    root: Path
    uri: str
    file_name: str = "part-00000.txt"

    @classmethod
    def from_env(cls, settings: Settings) -> DataLayout:
        root = Path(os.environ.get("CISTRADE_HIVE_DATA_DIR")
                    or settings.home / "hive-warehouse").resolve()
        uri = os.environ.get("CISTRADE_HIVE_DATA_URI") or root.as_uri()
        return cls(root, uri.rstrip("/"))

    def table_dir(self, table: PartitionedTable) -> Path:
        return self.root / table.name

    @staticmethod
    def partition_name(table: PartitionedTable, value: date) -> str:
        return f"{table.partition_column}={value.isoformat()}"

    def partition_dir(self, table: PartitionedTable, value: date) -> Path:
        return self.table_dir(table) / self.partition_name(table, value)

    def partition_uri(self, table: PartitionedTable, value: date) -> str:
        return f"{self.uri}/{table.name}/{self.partition_name(table, value)}"

    def data_file(self, table: PartitionedTable, value: date) -> Path:
        return self.partition_dir(table, value) / self.file_name

    def other_partitions(self, table: PartitionedTable, value: date) -> list[Path]:
        """Data files of the table's partitions other than ``value``."""
        this = self.partition_dir(table, value)
        return [d / self.file_name
                for d in self.table_dir(table).glob(f"{table.partition_column}=*")
                if d != this and (d / self.file_name).exists()]

    @property
    def staging_root(self) -> Path:
        """Beside the table directories (same file system), outside every table location."""
        return self.root / ".staging"


def encode_partition_file(table: PartitionedTable, data: pa.Table) -> bytes:
    """A partition's rows as a header-less pipe-delimited file; an empty field is NULL.

    Timestamps become ``YYYY-MM-DD HH:MM:SS[.f]``, the text form Hive and Impala
    read; every other value is kept exactly as given.
    """
    if data.num_rows == 0:
        return b""
    columns = []
    for col in table.columns:
        values = data.column(col.name).cast(pa.string())
        if col.type == "TIMESTAMP":
            values = pc.replace_substring(values, "T", " ")
            values = pc.replace_substring(values, "Z", "")
        bad = pc.any(pc.or_(pc.match_substring(values, "|"), pc.or_(
            pc.match_substring(values, "\n"), pc.match_substring(values, "\r")))).as_py()
        if bad:
            raise ValueError(f"{table.title}.{col.name}: a value contains '|' or a line break")
        columns.append(pc.fill_null(values, ""))
    lines = pc.binary_join_element_wise(*columns, "|")
    return ("\n".join(lines.to_pylist()) + "\n").encode("utf-8")
