"""What the GMP load's alert mails say, one per failing feed and day.

A :class:`FeedAlert` becomes a :class:`~cistrade_core.notify.Mail` of topic
``gmp.<check kind>`` (template ``gmp_alert``), recorded and sent by the outbox.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from cistrade_core.config import Settings
from cistrade_core.feeds import get_feed
from cistrade_core.gmp.problems import CheckKind
from cistrade_core.notify import About, Mail

ACTIONS = {
    CheckKind.ARRIVAL: "check the GMP extract and the transfer to the landing directory; "
    "the load keeps waiting for the control file until the run times out.",
    CheckKind.ROW_COUNT_CHANGE: "if the change is genuine, release the feed at its review step "
    "in the Airflow UI (Required actions of the gmp_reference_etl run), or reject it there; "
    "without the UI: `cistrade gmp load --date {date} --accept-row-count-change` or trigger "
    "gmp_reference_etl with conf {{\"accept_row_count_change\": true}}.",
}
DEFAULT_ACTION = (
    "ask GMP for a corrected drop, then re-run the day; the previous day stays current."
)


@dataclass
class FeedAlert:
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
    def topic(self) -> str:
        return f"gmp.{self.kind}"

    def mail(self, settings: Settings, dedupe_key: str | None = None) -> Mail:
        """The alert mail to ``settings.alert_recipients``."""
        day = f"{self.business_date:%Y-%m-%d}"
        context = {
            "title": self.kind.title,
            "business_date": day,
            "feed": self.feed,
            "table": get_feed(self.feed).table,
            "outcome": self.outcome,
            "reason": self.reason,
            "counts": self.counts,
            "problems": self.problems,
            "problem_count": self.problem_count or len(self.problems),
            "action": ACTIONS.get(self.kind, DEFAULT_ACTION).format(date=self.business_date),
            "data_docs": self.data_docs,
            "landing_dir": str(settings.landing_dir),
        }
        return Mail.from_template(
            self.topic, "gmp_alert", context, settings.alert_recipients, dedupe_key=dedupe_key,
            about=About(feed=self.feed, business_date=self.business_date),
            headers={"X-CisTrade-Alert": str(self.kind), "X-CisTrade-Feed": self.feed,
                     "X-CisTrade-Business-Date": day})
