"""Creating the core tables on the configured warehouse."""

from __future__ import annotations

from cistrade_core.warehouse import Warehouse

CORE_DDL = "core_tables.sql"


def ensure_core_schema(warehouse: Warehouse) -> None:
    """Create the reference-data tables (for the currency check) and the core tables."""
    warehouse.ensure_gmp_schema()
    warehouse.run_sql_file(CORE_DDL)
