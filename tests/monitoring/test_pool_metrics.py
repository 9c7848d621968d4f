"""Pool metrics measured by a real pool of DuckDB DB-API connections."""

from __future__ import annotations

import gc
import threading
import uuid

import duckdb
import pytest

from cistrade_core.monitoring.process import PROCESS_REGISTRY
from cistrade_core.warehouse.pool import ConnectionPool, PoolTimeout


def value(name: str, pool: str) -> float | None:
    return PROCESS_REGISTRY.get_sample_value(name, {"pool": pool})


def test_size_use_waits_timeouts_and_failed_health_checks():
    name = f"test-{uuid.uuid4().hex[:6]}"
    pool = ConnectionPool(lambda: duckdb.connect(":memory:"), max_size=1, wait_timeout=0.2,
                          check_after=3600, name=name)
    assert value("cistrade_pool_max_connections", name) == 1
    held, release = threading.Event(), threading.Event()

    def hold():
        with pool.connection():
            held.set()
            release.wait(5)

    holder = threading.Thread(target=hold)
    holder.start()
    held.wait(5)
    assert value("cistrade_pool_in_use_connections", name) == 1
    with pytest.raises(PoolTimeout), pool.connection():
        pass
    release.set()
    holder.join()
    assert value("cistrade_pool_waits_total", name) == 1
    assert value("cistrade_pool_wait_timeouts_total", name) == 1
    assert value("cistrade_pool_in_use_connections", name) == 0

    with pytest.raises(RuntimeError), pool.connection() as conn:
        conn.close()  # the session breaks inside the block
        raise RuntimeError("driver error")
    with pool.connection() as conn:  # checked first, replaced
        assert conn.execute("SELECT 1").fetchall() == [(1,)]
    assert value("cistrade_pool_health_checks_total", name) == 1
    assert value("cistrade_pool_health_check_failures_total", name) == 1
    assert value("cistrade_pool_connections_opened_total", name) == 2
    assert value("cistrade_pool_open_connections", name) == 1

    pool.close()
    pool = conn = None
    gc.collect()
    # gone: its counters stay, its size is kept with nothing open
    assert value("cistrade_pool_wait_timeouts_total", name) == 1
    assert value("cistrade_pool_max_connections", name) == 1
    assert value("cistrade_pool_open_connections", name) == 0
