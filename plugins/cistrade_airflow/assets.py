"""Airflow Assets of warehouse tables, shared by producing and consuming DAGs.

Every Asset of the platform is a warehouse table, named ``<schema>.<table>`` (e.g.
``gmp_cis.gmp_cis_sta_dly_currency``, ``gmp_cis.cis_fx_rate``) with the URI
``cistrade://warehouse/<schema>/<table>``; report definitions name the Assets they
follow the same way (``schedule.assets``).
"""

from __future__ import annotations

from airflow.sdk import Asset

from cistrade_core.warehouse.ddl import SCHEMA


def warehouse_asset(table: str) -> Asset:
    """The Asset of a warehouse table: ``cis_fx_rate``, or qualified as report definitions
    name it, ``gmp_cis.cis_fx_rate``. Either way its name is qualified."""
    schema, _, name = table.rpartition(".")
    if schema and schema != SCHEMA:
        raise ValueError(f"{table!r}: the warehouse tables are in schema {SCHEMA!r}")
    return Asset(name=f"{SCHEMA}.{name}", uri=f"cistrade://warehouse/{SCHEMA}/{name}")
