"""The warehouse on Impala: the Hive warehouse's tables and files, every statement sent to Impala.

Impala caches table and file metadata. Publishing a partition registers it, then
makes Impala load its files: ``REFRESH <table> PARTITION (...)``, or, the first
time a table gets data (a new table, possibly created outside Impala),
``INVALIDATE METADATA <table>``. The transactional tables are Kudu tables
written with ``UPSERT``, ``INSERT`` and ``DELETE`` by key.
"""

from __future__ import annotations

from datetime import date
from functools import cached_property

from cistrade_core.warehouse.hive_backend import HiveWarehouse
from cistrade_core.warehouse.partitioned import PartitionedTable
from cistrade_core.warehouse.rowstore import KuduRowWriter, RowWriter
from cistrade_core.warehouse.sqltext import IMPALA, identifier


class ImpalaWarehouse(HiveWarehouse):
    """The same tables and files, with every statement sent to Impala."""

    engine = "impala"
    dialect = IMPALA

    @cached_property
    def row_writer(self) -> RowWriter:
        """Kudu tables through Impala: UPSERT, INSERT and DELETE by key."""
        return KuduRowWriter(self.dialect)

    def publish_partition(self, table: PartitionedTable, value: date) -> str:
        self._require_written(table, value)
        name = identifier(table.qualified)
        params = self._partition_params(table, value)
        self.run_sql_file("gmp_add_partition.sql", params, {"table": name})
        if self.layout.other_partitions(table, value):
            self.run_sql_file("gmp_refresh_partition.sql", params, {"table": name})
            done = f"REFRESH {name} PARTITION ({table.partition_column}='{value}')"
        else:
            self.run_sql_file("gmp_invalidate_table.sql", variables={"table": name})
            done = f"INVALIDATE METADATA {name} (first load of the table)"
        return f"impala: partition {table.partition_column}={value} registered; {done}"
