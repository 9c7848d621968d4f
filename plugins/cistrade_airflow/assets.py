"""Airflow Assets for warehouse tables, shared by producing and consuming DAGs."""

from __future__ import annotations

from airflow.sdk import Asset


def warehouse_asset(qualified_table: str) -> Asset:
    """The Asset of a warehouse table, e.g. ``gmp_cis.gmp_cis_sta_dly_currency``."""
    schema, table = qualified_table.split(".", 1)
    return Asset(name=qualified_table, uri=f"cistrade://warehouse/{schema}/{table}")
