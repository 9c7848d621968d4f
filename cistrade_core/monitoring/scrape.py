"""One scrape: the warehouse families read in one read-only session, plus the process metrics.

The collectors never write and never take the warehouse's write lock: on DuckDB
the file is opened ``read_only`` (a writer that holds it makes the scrape report
the families as failed, after at most ``lock_wait`` seconds, rather than wait);
every statement is interrupted after ``timeout`` seconds. On Hive and Impala the
queries go through the warehouse's connection pool (reads only).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import Any

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric

from cistrade_core.config import Settings, get_settings
from cistrade_core.monitoring import acl_metrics, fx_metrics, gmp_metrics, mail_metrics
from cistrade_core.monitoring.process import PROCESS_REGISTRY
from cistrade_core.monitoring.sql import Query, ScrapeContext

log = logging.getLogger(__name__)

Family = Callable[[Query, ScrapeContext], Iterable[Metric]]
#: The warehouse families, each one query.
FAMILIES: dict[str, Family] = {
    "gmp": gmp_metrics.collect,
    "fx": fx_metrics.collect,
    "mail": mail_metrics.collect,
    "acl": acl_metrics.collect,
}
TIMEOUT_ENV = "CISTRADE_METRICS_QUERY_TIMEOUT"


class ReadOnlyWarehouse:
    """Read-only sessions on the configured warehouse, for the collectors."""

    def __init__(self, settings: Settings | None = None, *, timeout: float | None = None,
                 lock_wait: float = 1.0) -> None:
        self.settings = settings or get_settings()
        self.engine = os.environ.get("CISTRADE_WAREHOUSE", "duckdb")
        self.timeout = timeout or float(os.environ.get(TIMEOUT_ENV, "5"))
        self.lock_wait = lock_wait
        self._warehouse: Any = None

    def session(self) -> AbstractContextManager[Query]:
        if self.engine == "duckdb":
            return self._duckdb_session()
        return self._pooled_session()

    @contextmanager
    def _duckdb_session(self) -> Iterator[Query]:
        import duckdb

        from cistrade_core.warehouse.timestamps import from_storage, to_storage

        path = self.settings.warehouse_path
        if not path.exists():
            raise FileNotFoundError(f"no warehouse at {path}")
        from cistrade_core.warehouse.duckdb_lease import lease_for

        lease_for(path).close()   # this process's own idle turn on the file would refuse us
        deadline = time.monotonic() + self.lock_wait
        while True:
            try:
                con = duckdb.connect(str(path), read_only=True)
                break
            except duckdb.IOException as exc:  # a writer holds the file
                if "lock" not in str(exc).lower() or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        try:
            def query(sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
                timer = threading.Timer(self.timeout, con.interrupt)
                timer.start()
                try:
                    cursor = con.execute(sql, to_storage(list(params)))
                    names = [d[0] for d in cursor.description]
                    return from_storage([dict(zip(names, row, strict=True))
                                         for row in cursor.fetchall()])
                finally:
                    timer.cancel()

            yield query
        finally:
            con.close()

    @contextmanager
    def _pooled_session(self) -> Iterator[Query]:
        if self._warehouse is None:  # one warehouse (and pool) for every scrape
            from cistrade_core.warehouse import get_warehouse

            self._warehouse = get_warehouse(self.settings)
        yield self._warehouse.query


class WarehouseCollector:
    """The warehouse families, plus whether each could be read and how long it took."""

    def __init__(self, reader: ReadOnlyWarehouse,
                 families: dict[str, Family] | None = None) -> None:
        self.reader = reader
        self.families = families or FAMILIES

    def describe(self) -> list[Metric]:
        return []

    def collect(self) -> Iterator[Metric]:
        from cistrade_core.clock import utcnow

        success = GaugeMetricFamily("cistrade_scrape_collector_success",
                                    "1 if the family could be read from the warehouse.",
                                    labels=["family"])
        duration = GaugeMetricFamily("cistrade_scrape_collector_duration_seconds",
                                     "Time to read the family.", labels=["family"])
        ctx = ScrapeContext(utcnow(), self.reader.settings)
        try:
            with self.reader.session() as query:
                for name, family in self.families.items():
                    start = time.perf_counter()
                    try:
                        metrics = list(family(query, ctx))
                    except Exception as exc:  # one family's trouble must not hide the others
                        log.warning("metrics family %s not read: %s", name, exc)
                        success.add_metric([name], 0)
                    else:
                        success.add_metric([name], 1)
                        yield from metrics
                    duration.add_metric([name], time.perf_counter() - start)
        except Exception as exc:
            log.warning("warehouse not readable for metrics: %s", exc)
            for name in self.families:
                success.add_metric([name], 0)
        yield success
        yield duration


class ProcessMetrics:
    """The process registry, as a collector of another registry."""

    def describe(self) -> list[Metric]:
        return []

    def collect(self) -> Iterator[Metric]:
        return PROCESS_REGISTRY.collect()


def scrape_registry(settings: Settings | None = None) -> CollectorRegistry:
    """A registry whose collection reads the warehouse families and the process metrics."""
    from cistrade_core.monitoring import pool_metrics  # noqa: F401 (registers the pool collector)

    registry = CollectorRegistry(auto_describe=False)
    registry.register(WarehouseCollector(ReadOnlyWarehouse(settings)))
    registry.register(ProcessMetrics())
    return registry


def exposition(registry: CollectorRegistry) -> bytes:
    """The registry in the Prometheus text format."""
    return generate_latest(registry)
