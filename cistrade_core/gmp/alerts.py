"""Alert mails for the GMP load, one per failing feed and day."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date
from functools import cache

from jinja2 import Environment, PackageLoader, select_autoescape

from cistrade_core.config import Settings
from cistrade_core.feeds import get_feed
from cistrade_core.gmp.problems import CheckKind
from cistrade_core.mail import build_message, send_mail
from cistrade_core.warehouse import Warehouse

log = logging.getLogger(__name__)

ACTIONS = {
    CheckKind.ARRIVAL: "check the GMP extract and the transfer to the landing directory; "
    "the load keeps waiting for the control file until the run times out.",
    CheckKind.ROW_COUNT_CHANGE: "if the change is genuine, release the feed by re-running the "
    "day with the override: `cistrade gmp load --date {date} --accept-row-count-change` or "
    "trigger gmp_reference_etl with conf {{\"accept_row_count_change\": true}}.",
}
DEFAULT_ACTION = (
    "ask GMP for a corrected drop, then re-run the day; the previous day stays current."
)


@cache
def _templates() -> Environment:
    return Environment(
        loader=PackageLoader("cistrade_core.gmp", "templates"),
        autoescape=select_autoescape(["html"]),
        keep_trailing_newline=True,
    )


@dataclass
class Alert:
    kind: CheckKind
    feed: str
    business_date: date
    outcome: str
    reason: str
    counts: dict[str, object] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    problem_count: int = 0
    data_docs: str | None = None

    @property
    def subject(self) -> str:
        return f"[CisTrade GMP] {self.kind.title}: {self.feed} {self.business_date:%Y-%m-%d}"


def send_alert(alert: Alert, settings: Settings, warehouse: Warehouse) -> bool:
    """Mail ``alert`` to the configured recipients and log it; never raises on SMTP trouble."""
    context = {
        "title": alert.kind.title,
        "business_date": f"{alert.business_date:%Y-%m-%d}",
        "feed": alert.feed,
        "table": get_feed(alert.feed).table,
        "outcome": alert.outcome,
        "reason": alert.reason,
        "counts": alert.counts,
        "problems": alert.problems,
        "problem_count": alert.problem_count or len(alert.problems),
        "action": ACTIONS.get(alert.kind, DEFAULT_ACTION).format(date=alert.business_date),
        "data_docs": alert.data_docs,
        "landing_dir": str(settings.landing_dir),
    }
    env = _templates()
    msg = build_message(
        subject=alert.subject,
        sender=settings.smtp.mail_from,
        to=list(settings.alert_recipients),
        text=env.get_template("alert.txt.j2").render(context),
        html=env.get_template("alert.html.j2").render(context),
        headers={"X-CisTrade-Alert": str(alert.kind), "X-CisTrade-Feed": alert.feed,
                 "X-CisTrade-Business-Date": f"{alert.business_date:%Y-%m-%d}"},
    )
    result = send_mail(msg, settings.smtp, settings.mail_spool_dir)
    try:
        warehouse.record_alert(str(alert.kind), alert.feed, alert.business_date, alert.subject,
                               settings.alert_recipients, result.sent, result.error)
    except Exception:  # the alert log must never hide the load result
        log.exception("could not record alert %s", alert.subject)
    return result.sent
