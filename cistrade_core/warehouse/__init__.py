"""Warehouse engines behind one interface."""

from __future__ import annotations

import os

from cistrade_core.config import Settings, get_settings
from cistrade_core.warehouse.base import Transaction, Warehouse, WriteConflict
from cistrade_core.warehouse.records import LoadRecord, LoadStatus


def get_warehouse(settings: Settings | None = None) -> Warehouse:
    """The warehouse named by ``CISTRADE_WAREHOUSE`` (default ``duckdb``)."""
    settings = settings or get_settings()
    engine = os.environ.get("CISTRADE_WAREHOUSE", "duckdb")
    if engine == "duckdb":
        from cistrade_core.warehouse.duckdb_backend import DuckDBWarehouse

        return DuckDBWarehouse(settings.warehouse_path)
    raise ValueError(f"unknown warehouse engine {engine!r} (CISTRADE_WAREHOUSE); known: duckdb")


__all__ = [
    "LoadRecord", "LoadStatus", "Transaction", "Warehouse", "WriteConflict", "get_warehouse",
]
