"""Airflow glue of the warehouse, shared by every DAG: the engine's connection comes from an
Airflow connection.

``CISTRADE_WAREHOUSE`` picks the engine, as on the command line. For ``hive`` the
connection is ``hiveserver2_default`` through the Hive provider's
``HiveServer2Hook`` (PyHive); for ``impala`` it is ``impala_default`` through
``ImpalaHook`` (impyla), whose extra holds impyla's options, e.g.
``{"auth_mechanism": "PLAIN", "use_ssl": true, "timeout": 60}``. Call inside tasks only.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

HIVESERVER2_CONN_ID = "hiveserver2_default"
IMPALA_CONN_ID = "impala_default"


def connection_factory(engine: str | None = None) -> Callable[[], Any] | None:
    """A function opening a DB-API connection to the engine (None for DuckDB)."""
    engine = engine or os.environ.get("CISTRADE_WAREHOUSE", "duckdb")
    if engine == "hive":
        from airflow.providers.apache.hive.hooks.hive import HiveServer2Hook

        def connect_hive() -> Any:
            return HiveServer2Hook(hiveserver2_conn_id=HIVESERVER2_CONN_ID).get_conn()

        return connect_hive
    if engine == "impala":
        from airflow.providers.apache.impala.hooks.impala import ImpalaHook

        def connect_impala() -> Any:
            return ImpalaHook(impala_conn_id=IMPALA_CONN_ID).get_conn()

        return connect_impala
    return None


def warehouse_from_airflow(settings=None):
    """The warehouse of ``CISTRADE_WAREHOUSE``, connected through the Airflow connection."""
    from cistrade_core.warehouse import get_warehouse

    return get_warehouse(settings, connect=connection_factory())
