"""GMP ETL metrics: step durations (measured) and the load history (read at scrape time)."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from prometheus_client import Gauge
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.metrics_core import Metric

from cistrade_core.feeds import FEEDS
from cistrade_core.gmp.problems import CheckKind
from cistrade_core.monitoring.process import PROCESS_REGISTRY
from cistrade_core.monitoring.sql import Query, ScrapeContext, epoch_seconds
from cistrade_core.warehouse import SCHEMA

STEP_SECONDS = Gauge(
    "cistrade_gmp_step_duration_seconds",
    "Duration of the last GMP step (validate, load, refresh) of a feed in this process.",
    ["feed", "step"], registry=PROCESS_REGISTRY,
)

#: Statuses of a feed's latest business date: the load-history statuses and ``missing``.
STATUSES = ("loaded", "rejected", "held", "missing")

F = TypeVar("F", bound=Callable[..., Any])


def feed_step(step: str) -> Callable[[F], F]:
    """Decorate a ``GmpLoad`` method ``(self, feed_name, day, ...)``: time it into
    :data:`STEP_SECONDS` and bind ``feed`` and ``business_date`` to its log lines."""
    from cistrade_core.logs import log_context

    def decorate(fn: F) -> F:
        @functools.wraps(fn)
        def wrapper(self: Any, feed_name: str, day: date, *args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                with log_context(feed=feed_name, business_date=day):
                    return fn(self, feed_name, day, *args, **kwargs)
            finally:
                if feed_name in FEEDS:  # keep the label set bounded
                    STEP_SECONDS.labels(feed_name, step).set(time.perf_counter() - start)

        return wrapper  # type: ignore[return-value]

    return decorate


def reason_kind(reason: str | None) -> str:
    """The check kind a load-history reason starts with (``"data quality: ..."``)."""
    title = (reason or "").split(":", 1)[0].strip()
    for kind in CheckKind:
        if kind.title == title:
            return str(kind)
    return "other"


def load_deadline(settings_timezone: str, now: datetime) -> tuple[date, datetime]:
    """The latest business date whose load deadline has passed at ``now``, and that deadline
    (the local time of :func:`cistrade_core.gmp.deadline.local_deadline`)."""
    from cistrade_core.gmp.deadline import local_deadline

    at = local_deadline()
    tz = ZoneInfo(settings_timezone)
    local = now.astimezone(tz)
    deadline = datetime.combine(local.date(), at, tz)
    if local < deadline:
        deadline = datetime.combine(local.date() - timedelta(days=1), at, tz)
    return deadline.date() - timedelta(days=1), deadline


@dataclass
class _Record:
    business_date: date
    status: str
    row_count: int | None
    recorded_at: datetime
    reason: str | None


HISTORY_SQL = (
    "SELECT feed, business_date, status, row_count, recorded_at, "
    "CASE WHEN status = 'loaded' THEN NULL ELSE substr(reason, 1, 60) END AS reason "
    f"FROM {SCHEMA}.gmp_load_history"
)


def collect(query: Query, ctx: ScrapeContext) -> Iterator[Metric]:
    """Per feed: the latest business date's status, freshness, rows, change, rejections."""
    history: dict[str, list[_Record]] = {name: [] for name in FEEDS}
    for r in query(HISTORY_SQL, []):
        history.setdefault(r["feed"], []).append(_Record(
            r["business_date"], r["status"], r["row_count"], r["recorded_at"], r["reason"]))
    for records in history.values():
        records.sort(key=lambda x: (x.business_date, x.recorded_at))
    days = [x.business_date for records in history.values() for x in records]
    latest_day = max(days) if days else None

    status = GaugeMetricFamily(
        "cistrade_gmp_feed_status", "1 for the status of the feed on the latest business "
        "date in the load history (loaded, rejected, held, or missing: no record).",
        labels=["feed", "status"])
    latest = GaugeMetricFamily(
        "cistrade_gmp_latest_business_date_timestamp_seconds",
        "The latest business date in the load history (its midnight, UTC).")
    loaded_day = GaugeMetricFamily(
        "cistrade_gmp_last_loaded_business_date_timestamp_seconds",
        "The feed's last loaded business date, the one readers see (its midnight, UTC; "
        "0 if never loaded).", labels=["feed"])
    rows = GaugeMetricFamily("cistrade_gmp_loaded_rows",
                             "Rows of the feed's last loaded business date.", labels=["feed"])
    change = GaugeMetricFamily(
        "cistrade_gmp_row_count_change_ratio",
        "Rows of the feed's latest business date against its last loaded day before it, "
        "as a ratio (0.1 is 10% more).", labels=["feed"])
    loads = CounterMetricFamily("cistrade_gmp_loads", "Load-history records by status.",
                                labels=["feed", "status"])
    rejections = CounterMetricFamily(
        "cistrade_gmp_rejections", "Feeds rejected or held, by the kind of check that "
        "failed (row_count_change is a hold).", labels=["feed", "kind"])

    for feed, records in history.items():
        on_latest = [x for x in records if x.business_date == latest_day]
        state = on_latest[-1].status if on_latest else "missing"
        for s in STATUSES:
            status.add_metric([feed, s], 1.0 if s == state else 0.0)
        loaded = [x for x in records if x.status == "loaded"]
        loaded_day.add_metric([feed], epoch_seconds(loaded[-1].business_date) if loaded else 0.0)
        if loaded and loaded[-1].row_count is not None:
            rows.add_metric([feed], loaded[-1].row_count)
        if records:
            last = records[-1]
            before = [x for x in loaded if x.business_date < last.business_date]
            if last.row_count is not None and before and before[-1].row_count:
                previous = before[-1].row_count
                change.add_metric([feed], (last.row_count - previous) / previous)
        for s in ("loaded", "rejected", "held"):
            loads.add_metric([feed, s], sum(1 for x in records if x.status == s))
        kinds: dict[str, int] = {}
        for x in records:
            if x.status != "loaded":
                kinds[reason_kind(x.reason)] = kinds.get(reason_kind(x.reason), 0) + 1
        for kind, n in sorted(kinds.items()):
            rejections.add_metric([feed, kind], n)
    if latest_day is not None:
        latest.add_metric([], epoch_seconds(latest_day))

    due, deadline = load_deadline(ctx.settings.timezone, ctx.now_utc)
    yield from (status, latest, loaded_day, rows, change, loads, rejections)
    yield GaugeMetricFamily(
        "cistrade_gmp_due_business_date_timestamp_seconds",
        "The latest business date whose load deadline has passed (its midnight, UTC).",
        value=epoch_seconds(due))
    yield GaugeMetricFamily(
        "cistrade_gmp_load_deadline_timestamp_seconds",
        "When the load of the due business date had to be finished.",
        value=deadline.timestamp())
