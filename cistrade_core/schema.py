"""Creating the core tables on the configured warehouse."""

from __future__ import annotations

from cistrade_core.warehouse import Warehouse


def ensure_core_schema(warehouse: Warehouse) -> None:
    """Create the reference-data tables (for the currency check) and the store tables.

    The store tables are every transactional table (core, FX, reports), in the
    engine's own DDL (DuckDB tables, Kudu tables through Impala, ...).
    """
    from cistrade_core.gmp.store import GmpStore

    GmpStore(warehouse).ensure_schema()
    warehouse.ensure_store_schema()
