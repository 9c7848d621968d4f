"""Warehouse engines behind one interface.

The warehouse knows tables, not what is in them: partitioned tables loaded a
partition at a time (:mod:`~cistrade_core.warehouse.partitioned`) and the
transactional tables written by units of work (:mod:`~cistrade_core.warehouse.tables`).
Engines: DuckDB (``duckdb_backend``, processes taking turns through
``duckdb_lease``; the API's workers through the warehouse server of
``duckdb_server``, as ``remote_backend`` over ``wire``), Hive (``hive_backend``,
with ``hive_config``, ``hive_files`` and ``hive_results``) and Impala
(``impala_backend``, Kudu writes).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from cistrade_core.config import Settings, get_settings
from cistrade_core.warehouse.base import Transaction, Warehouse, WriteConflict
from cistrade_core.warehouse.ddl import SCHEMA

ENGINES = ("duckdb", "hive", "impala")
#: Set by ``cistrade api serve --workers K`` for its workers: the warehouse server's socket.
SOCKET_ENV = "CISTRADE_WAREHOUSE_SOCKET"


def get_warehouse(settings: Settings | None = None,
                  connect: Callable[[], Any] | None = None) -> Warehouse:
    """The warehouse named by ``CISTRADE_WAREHOUSE`` (default ``duckdb``).

    ``hive`` and ``impala`` take ``connect``, a factory of DB-API connections (the
    Airflow glue passes its hooks' ``get_conn``); without it they connect with
    PyHive / impyla from the ``CISTRADE_HIVE_*`` / ``CISTRADE_IMPALA_*`` variables.
    ``CISTRADE_WAREHOUSE_SOCKET`` (set by ``cistrade api serve --workers K`` for its
    workers) makes DuckDB statements run in the warehouse server on that socket.
    """
    settings = settings or get_settings()
    engine = os.environ.get("CISTRADE_WAREHOUSE", "duckdb")
    if engine == "duckdb" and os.environ.get(SOCKET_ENV):
        from cistrade_core.warehouse.remote_backend import RemoteWarehouse

        return RemoteWarehouse(os.environ[SOCKET_ENV])
    if engine == "duckdb":
        from cistrade_core.warehouse.duckdb_backend import DuckDBWarehouse

        return DuckDBWarehouse(settings.warehouse_path)
    if engine in ("hive", "impala"):
        from cistrade_core.warehouse.hive_files import DataLayout

        layout = DataLayout.from_env(settings)
        if engine == "hive":
            from cistrade_core.warehouse.hive_backend import HiveWarehouse
            from cistrade_core.warehouse.hive_config import HiveServer2Config

            return HiveWarehouse(connect or HiveServer2Config.from_env().connect, layout)
        from cistrade_core.warehouse.hive_config import ImpalaConfig
        from cistrade_core.warehouse.impala_backend import ImpalaWarehouse

        return ImpalaWarehouse(connect or ImpalaConfig.from_env().connect, layout)
    raise ValueError(
        f"unknown warehouse engine {engine!r} (CISTRADE_WAREHOUSE); known: {', '.join(ENGINES)}"
    )


__all__ = [
    "ENGINES", "SCHEMA", "Transaction", "Warehouse", "WriteConflict", "get_warehouse",
]
