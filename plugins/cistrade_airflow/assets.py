"""Airflow Assets of warehouse tables, shared by producing and consuming DAGs.

Every Asset of the platform is a warehouse table, named ``<schema>.<table>`` (e.g.
``gmp_cis.gmp_cis_sta_dly_currency``, ``gmp_cis.cis_fx_rate``) with the URI
``cistrade://warehouse/<schema>/<table>``; report definitions name the Assets they
follow the same way (``schedule.assets``).
"""

from __future__ import annotations

from airflow.sdk import Asset


def warehouse_asset(qualified_table: str) -> Asset:
    """The Asset of a warehouse table, e.g. ``gmp_cis.gmp_cis_sta_dly_currency``."""
    schema, table = qualified_table.split(".", 1)
    return Asset(name=qualified_table, uri=f"cistrade://warehouse/{schema}/{table}")
