"""Email metrics, read at scrape time from the tables that record mail and from the spool.

Kinds of mail: ``notification`` (the workflow outbox, ``cis_notification``),
``gmp_alert`` and ``fx_alert`` (the alert logs), ``report`` (report deliveries),
and ``spool``: messages of any kind whose send failed, waiting in the retry spool.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.metrics_core import Metric

from cistrade_core.monitoring.sql import Query, ScrapeContext

KINDS = ("notification", "gmp_alert", "fx_alert", "report")
#: Notification states that are not delivered yet (a SPOOLED one waits in the spool).
QUEUED = ("PENDING", "SENDING")
UNDELIVERED = ("SPOOLED", "NO_RECIPIENTS")

S = "gmp_cis"


def _sent_flag(kind: str, table: str, at: str, where: str = "") -> str:
    return (f"SELECT '{kind}' AS kind, CASE WHEN sent THEN 'SENT' ELSE 'FAILED' END AS state, "
            f"count(*) AS n, CAST(0 AS BIGINT) AS retries, min({at}) AS oldest "
            f"FROM {S}.{table} {where} GROUP BY sent")


MAIL_SQL = " UNION ALL ".join((
    "SELECT 'notification' AS kind, status AS state, count(*) AS n, "
    "CAST(sum(CASE WHEN attempts > 1 THEN attempts - 1 ELSE 0 END) AS BIGINT) AS retries, "
    f"min(created_at) AS oldest FROM {S}.cis_notification GROUP BY status",
    _sent_flag("gmp_alert", "gmp_alert_log", "raised_at"),
    _sent_flag("fx_alert", "cis_fx_alert", "raised_at"),
    _sent_flag("report", "cis_report_run", "recorded_at", "WHERE sent IS NOT NULL"),
))


def spooled_at(eml: Path) -> datetime:
    """When a spooled message was spooled: from its name (``YYYYmmddTHHMMSS-...``), else mtime."""
    try:
        return datetime.strptime(eml.stem.split("-", 1)[0], "%Y%m%dT%H%M%S")
    except ValueError:
        return datetime.fromtimestamp(eml.stat().st_mtime, UTC).replace(tzinfo=None)


def collect(query: Query, ctx: ScrapeContext) -> Iterator[Metric]:
    """Sent, failed, retried and queued mail per kind, and the age of the oldest unsent."""
    sent = CounterMetricFamily("cistrade_mail_sent", "Mail delivered.", labels=["kind"])
    failed = CounterMetricFamily(
        "cistrade_mail_failed", "Mail whose send failed: alerts and reports not delivered at "
        "the first try, notifications spooled or without recipients.", labels=["kind"])
    retried = CounterMetricFamily("cistrade_mail_retried", "Send attempts after the first.",
                                  labels=["kind"])
    queued = GaugeMetricFamily("cistrade_mail_queued", "Mail not sent yet: notifications "
                               "queued, and messages waiting in the retry spool.",
                               labels=["kind"])
    counts = {k: {"sent": 0, "failed": 0, "retried": 0, "queued": 0} for k in KINDS}
    oldest: list[datetime] = []
    for r in query(MAIL_SQL, []):
        c, state, n = counts[r["kind"]], r["state"], int(r["n"])
        c["retried"] += int(r["retries"] or 0)
        if state == "SENT":
            c["sent"] += n
        elif state == "FAILED" or state in UNDELIVERED:
            c["failed"] += n
        elif state in QUEUED:
            c["queued"] += n
            oldest.append(r["oldest"])
    for kind, c in counts.items():
        sent.add_metric([kind], c["sent"])
        failed.add_metric([kind], c["failed"])
        retried.add_metric([kind], c["retried"])
        queued.add_metric([kind], c["queued"])
    spool_dir = ctx.settings.mail_spool_dir
    spooled = sorted(spool_dir.glob("*.eml")) if spool_dir.exists() else []
    queued.add_metric(["spool"], len(spooled))
    if spooled:
        oldest.append(spooled_at(spooled[0]))
    age = max((ctx.now - t).total_seconds() for t in oldest) if oldest else 0.0
    yield from (sent, failed, retried, queued)
    yield GaugeMetricFamily("cistrade_mail_oldest_unsent_age_seconds",
                            "Age of the oldest mail not sent yet (0: none waiting).",
                            value=max(age, 0.0))
