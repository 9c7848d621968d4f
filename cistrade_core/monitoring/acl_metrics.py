"""ACL metrics: login and permission-map latency (measured), logins (from the audit log)."""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from prometheus_client import Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.metrics_core import Metric

from cistrade_core.monitoring.process import PROCESS_REGISTRY
from cistrade_core.monitoring.sql import Query, ScrapeContext
from cistrade_core.warehouse import SCHEMA

log = logging.getLogger(__name__)

#: Login takes a password hash (scrypt) and a few queries: tens of ms to seconds.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

LOGIN_SECONDS = Histogram(
    "cistrade_acl_login_duration_seconds",
    "Time to log a user in (user, groups, grants, permission map, session), by outcome.",
    ["outcome"], buckets=LATENCY_BUCKETS, registry=PROCESS_REGISTRY,
)
PERMISSION_MAP_SECONDS = Histogram(
    "cistrade_acl_permission_map_duration_seconds",
    "Time to build a user's permission map from groups, ancestors and grants.",
    buckets=LATENCY_BUCKETS, registry=PROCESS_REGISTRY,
)

F = TypeVar("F", bound=Callable[..., Any])


def timed_login(fn: F) -> F:
    """Time a ``login(self, login, password)`` call into :data:`LOGIN_SECONDS`.

    The outcome is ``success``, ``failure`` (refused: an authentication error)
    or ``error`` (anything else); the call's login is bound to the log context.
    """
    from cistrade_core.errors import AuthenticationError
    from cistrade_core.logs import log_context

    @functools.wraps(fn)
    def wrapper(self: Any, login: str, *args: Any, **kwargs: Any) -> Any:
        with log_context(user_login=(login or "").strip()[:100] or None):
            start = time.perf_counter()
            outcome = "error"
            try:
                result = fn(self, login, *args, **kwargs)
                outcome = "success"
                return result
            except AuthenticationError:
                outcome = "failure"
                raise
            finally:
                elapsed = time.perf_counter() - start
                LOGIN_SECONDS.labels(outcome).observe(elapsed)
                log.info("login: %s in %.3f s", outcome, elapsed)

    return wrapper  # type: ignore[return-value]


def permission_map_timer():
    """A context manager timing one permission-map build."""
    return PERMISSION_MAP_SECONDS.time()


# -- read from the warehouse at scrape time --------------------------------------------------
AUDIT = f"{SCHEMA}.cis_audit_log"
SESSIONS = f"{SCHEMA}.cis_acl_session"


def collect(query: Query, ctx: ScrapeContext) -> Iterator[Metric]:
    """Logins by outcome (audit log) and live sessions, in one query."""
    rows = query(
        "SELECT 'login' AS part, CASE WHEN outcome = 'SUCCESS' THEN 'success' ELSE 'failure' END"
        f" AS k, count(*) AS n FROM {AUDIT} WHERE action = 'LOGIN' GROUP BY "
        "CASE WHEN outcome = 'SUCCESS' THEN 'success' ELSE 'failure' END "
        "UNION ALL "
        f"SELECT 'sessions' AS part, 'live' AS k, count(*) AS n FROM {SESSIONS} "
        "WHERE revoked_at IS NULL AND expires_at > ?",
        [ctx.now],
    )
    logins = CounterMetricFamily(
        "cistrade_acl_logins", "Logins recorded in the audit log, by outcome "
        "(failure: unknown user, wrong password or disabled user).", labels=["outcome"])
    counts = {"success": 0, "failure": 0}
    live = 0
    for r in rows:
        if r["part"] == "login":
            counts[r["k"]] = int(r["n"])
        else:
            live = int(r["n"])
    for outcome, n in counts.items():
        logins.add_metric([outcome], n)
    yield logins
    yield GaugeMetricFamily("cistrade_acl_live_sessions",
                            "Sessions neither ended nor expired.", value=live)
