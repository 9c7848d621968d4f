"""The API's workers share one DuckDB file through the warehouse server of the supervisor."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from cistrade_core.config import get_settings
from cistrade_core.warehouse import SOCKET_ENV


@contextmanager
def shared_warehouse(workers: int) -> Iterator[None]:
    """With ``workers`` > 1 on DuckDB: serve the file to them for the duration of the block.

    The schema is brought up to date first, once, and the workers find the socket in
    ``CISTRADE_WAREHOUSE_SOCKET``. One worker, or another engine, uses the warehouse
    directly.
    """
    if workers <= 1 or os.environ.get("CISTRADE_WAREHOUSE", "duckdb") != "duckdb" \
            or os.environ.get(SOCKET_ENV):
        yield
        return
    from cistrade_core.schema import ensure_core_schema
    from cistrade_core.warehouse.duckdb_backend import DuckDBWarehouse
    from cistrade_core.warehouse.duckdb_server import WarehouseServer

    settings = get_settings()
    warehouse = DuckDBWarehouse(settings.warehouse_path)
    server = WarehouseServer(warehouse, settings.home / f"api-{os.getpid()}.sock")
    ensure_core_schema(warehouse)
    with server:
        os.environ[SOCKET_ENV] = str(server.path)
        try:
            yield
        finally:
            os.environ.pop(SOCKET_ENV, None)
