"""Pushing a short-lived process's measurements to a Prometheus Pushgateway.

A CLI command or an Airflow task ends before Prometheus could scrape it, so it
pushes :data:`~.process.PROCESS_REGISTRY` (what it measured) when it finishes,
if ``CISTRADE_PUSHGATEWAY_URL`` is set. Each push replaces the metrics of its
group (``job`` plus a bounded grouping key such as the command or the task), so
the Pushgateway holds the last measurement of each kind of process. A push never
fails the process: errors are logged and dropped.
"""

from __future__ import annotations

import logging
import os
import socket

log = logging.getLogger(__name__)

PUSHGATEWAY_ENV = "CISTRADE_PUSHGATEWAY_URL"
#: Seconds a push may take before it is given up.
PUSH_TIMEOUT = 10.0


def pushgateway_url() -> str | None:
    return os.environ.get(PUSHGATEWAY_ENV) or None


def push_measurements(job: str, grouping_key: dict[str, str] | None = None,
                      url: str | None = None) -> bool:
    """Push what this process measured under ``job``; True if something was pushed."""
    url = url or pushgateway_url()
    if not url:
        return False
    from prometheus_client import CollectorRegistry, push_to_gateway

    from cistrade_core.monitoring.process import MeasuredOnly, measured_families

    if not any(True for _ in measured_families()):
        return False
    registry = CollectorRegistry(auto_describe=False)
    registry.register(MeasuredOnly())
    key = {"instance": socket.gethostname(), **(grouping_key or {})}
    try:
        push_to_gateway(url, job=job, registry=registry, grouping_key=key,
                        timeout=PUSH_TIMEOUT)
    except Exception as exc:  # monitoring must never fail the work it measures
        log.warning("metrics not pushed to %s: %s", url, exc)
        return False
    log.info("metrics pushed to %s (job %s, %s)", url, job, key)
    return True
