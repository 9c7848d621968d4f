"""Email metrics, read at scrape time from the mail outbox (``gmp_cis.cis_mail_outbox``).

Every mail (GMP and FX alerts, workflow mail, reports, system alerts) is one outbox
row; its kind is its topic's first part: ``gmp``, ``fx``, ``portfolio``, ``report``
or ``system``. ``attempts`` counts the sends tried, so the counters below only grow.
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.metrics_core import Metric

from cistrade_core.monitoring.sql import Query, ScrapeContext
from cistrade_core.warehouse import SCHEMA

KINDS = ("gmp", "fx", "portfolio", "report", "system")
#: Outbox states of mail not sent yet.
UNSENT = ("PENDING", "SENDING", "FAILED")
OUTBOX = f"{SCHEMA}.cis_mail_outbox"
KIND_SQL = ("CASE WHEN topic LIKE 'gmp.%' THEN 'gmp' WHEN topic LIKE 'fx.%' THEN 'fx' "
            "WHEN topic LIKE 'portfolio.%' THEN 'portfolio' "
            "WHEN topic LIKE 'report.%' THEN 'report' ELSE 'system' END")
MAIL_SQL = (
    f"SELECT {KIND_SQL} AS kind, status, count(*) AS n, CAST(sum(attempts) AS BIGINT) AS tries, "
    "CAST(sum(CASE WHEN attempts > 1 THEN attempts - 1 ELSE 0 END) AS BIGINT) AS retries, "
    f"min(created_at) AS oldest FROM {OUTBOX} GROUP BY {KIND_SQL}, status"
)


def collect(query: Query, ctx: ScrapeContext) -> Iterator[Metric]:
    """Sent, failed, retried and queued mail per kind, and the age of the oldest unsent."""
    sent = CounterMetricFamily("cistrade_mail_sent", "Mail delivered.", labels=["kind"])
    failed = CounterMetricFamily(
        "cistrade_mail_failed", "Failed sends: attempts that did not deliver, and mail "
        "without recipients.", labels=["kind"])
    retried = CounterMetricFamily("cistrade_mail_retried", "Send attempts after the first.",
                                  labels=["kind"])
    queued = GaugeMetricFamily("cistrade_mail_queued", "Mail not sent yet (pending, being "
                               "sent, or failed and waiting for a retry).", labels=["kind"])
    counts = {k: {"sent": 0, "failed": 0, "retried": 0, "queued": 0} for k in KINDS}
    oldest = []
    for r in query(MAIL_SQL, []):
        c, status, n, tries = counts[r["kind"]], r["status"], int(r["n"]), int(r["tries"] or 0)
        c["retried"] += int(r["retries"] or 0)
        if status == "SENT":
            c["sent"] += n
            c["failed"] += tries - n  # every attempt but the delivering one failed
        elif status == "NO_RECIPIENTS":
            c["failed"] += n
        else:  # PENDING, SENDING (its current attempt is not a failure yet), FAILED
            c["failed"] += tries - n if status == "SENDING" else tries
            c["queued"] += n
            oldest.append(r["oldest"])
    for kind, c in counts.items():
        sent.add_metric([kind], c["sent"])
        failed.add_metric([kind], c["failed"])
        retried.add_metric([kind], c["retried"])
        queued.add_metric([kind], c["queued"])
    age = max((ctx.now - t).total_seconds() for t in oldest) if oldest else 0.0
    yield from (sent, failed, retried, queued)
    yield GaugeMetricFamily("cistrade_mail_oldest_unsent_age_seconds",
                            "Age of the oldest mail not sent yet (0: none waiting).",
                            value=max(age, 0.0))
