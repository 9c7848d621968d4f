"""Connection-pool metrics (Impala/Kudu and Hive), measured by the pools of this process.

:class:`~cistrade_core.warehouse.pool.ConnectionPool` calls :func:`track` when it
is made; the collector reads the pools' statistics when the registry is collected.
Pools are labelled by name (the engine: ``hive``, ``impala``); the counters of
pools that were closed and collected stay in their name's totals, and a name
without a live pool keeps its size with nothing open (what a short-lived
process pushes when it ends).
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.metrics_core import Metric

from cistrade_core.monitoring.process import PROCESS_REGISTRY

if TYPE_CHECKING:
    from cistrade_core.warehouse.pool import ConnectionPool

#: The counters of :class:`~cistrade_core.warehouse.pool.PoolStats` exported, and as what.
COUNTERS = {
    "waits": ("cistrade_pool_waits", "Checkouts that waited for a free connection."),
    "timeouts": ("cistrade_pool_wait_timeouts",
                 "Checkouts that found no free connection in time (pool exhausted)."),
    "checked": ("cistrade_pool_health_checks", "Health checks of idle or suspect connections."),
    "replaced": ("cistrade_pool_health_check_failures",
                 "Connections that failed their health check and were replaced."),
    "opened": ("cistrade_pool_connections_opened", "Connections opened."),
}

_lock = threading.Lock()
_live: weakref.WeakSet[ConnectionPool] = weakref.WeakSet()
_retired: dict[str, dict[str, int]] = {}
_sizes: dict[str, int] = {}


def _retire(name: str, stats: Any) -> None:
    with _lock:
        totals = _retired.setdefault(name, dict.fromkeys(COUNTERS, 0))
        for field in COUNTERS:
            totals[field] += getattr(stats, field)


def track(pool: ConnectionPool) -> None:
    """Export ``pool``'s statistics while it lives, and its counters after."""
    with _lock:
        _live.add(pool)
        _sizes[pool.name] = pool.max_size
    weakref.finalize(pool, _retire, pool.name, pool.stats)


class PoolCollector:
    def describe(self) -> list[Metric]:
        return []

    def collect(self) -> Iterator[Metric]:
        size = GaugeMetricFamily("cistrade_pool_max_connections",
                                 "Connections the pool may hold.", labels=["pool"])
        open_ = GaugeMetricFamily("cistrade_pool_open_connections",
                                  "Connections open, idle or in use.", labels=["pool"])
        in_use = GaugeMetricFamily("cistrade_pool_in_use_connections",
                                   "Connections handed out.", labels=["pool"])
        counters = {f: CounterMetricFamily(name, doc, labels=["pool"])
                    for f, (name, doc) in COUNTERS.items()}
        with _lock:
            live = list(_live)
            totals = {name: dict(t) for name, t in _retired.items()}
            gauges = {name: [size, 0, 0] for name, size in _sizes.items()
                      if all(p.name != name for p in live)}
        for pool in live:
            g = gauges.setdefault(pool.name, [0, 0, 0])
            g[0] += pool.max_size
            g[1] += pool.stats.opened - pool.stats.closed
            g[2] += pool.stats.in_use
            t = totals.setdefault(pool.name, dict.fromkeys(COUNTERS, 0))
            for field in COUNTERS:
                t[field] += getattr(pool.stats, field)
        for name, (max_size, opened, used) in sorted(gauges.items()):
            size.add_metric([name], max_size)
            open_.add_metric([name], opened)
            in_use.add_metric([name], used)
        for name, t in sorted(totals.items()):
            for field, family in counters.items():
                family.add_metric([name], t[field])
        yield from (size, open_, in_use, *counters.values())


PROCESS_REGISTRY.register(PoolCollector())
