"""Alert mails to the market data team. Sending them never fails a rate load.

An :class:`FxAlert` becomes a :class:`~cistrade_core.notify.Mail` of topic
``fx.<kind>`` (template ``fx_alert``), recorded and sent by the outbox.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from cistrade_core.config import Settings
from cistrade_core.notify import About, Mail, Notifier
from cistrade_core.warehouse import Warehouse

log = logging.getLogger(__name__)

MAX_DETAIL_LINES = 60


@dataclass
class FxAlert:
    """One alert of a run. ``kind``: auth, fallback, outage, held, rejected, coverage or
    divergence. ``sent`` and ``error`` tell how sending it went."""

    kind: str
    subject: str
    lines: list[str] = field(default_factory=list)
    provider: str | None = None
    sent: bool = False
    error: str | None = None

    def mail(self, settings: Settings, run_id: str) -> Mail:
        """The alert mail to ``settings.market_data_recipients`` (plain text)."""
        context = {"subject": self.subject, "lines": self.lines[:MAX_DETAIL_LINES],
                   "more": max(0, len(self.lines) - MAX_DETAIL_LINES), "run_id": run_id}
        return Mail.from_template(
            f"fx.{self.kind}", "fx_alert", context, settings.market_data_recipients,
            about=About(provider=self.provider, run_id=run_id),
            headers={"X-CisTrade-Alert": f"fx-{self.kind}", "X-CisTrade-Run": run_id})


def send_alert(alert: FxAlert, *, notifier: Notifier, warehouse: Warehouse,
               run_id: str) -> FxAlert:
    """Record and mail ``alert`` through the outbox; sets ``alert.sent`` and ``alert.error``."""
    log.warning("FX alert (%s): %s", alert.kind, alert.subject)
    delivery = notifier.send(warehouse, alert.mail(notifier.settings, run_id))
    alert.sent, alert.error = delivery.sent, delivery.error
    if not alert.sent:
        log.error("FX alert %r not sent (kept in the outbox for retry): %s", alert.subject,
                  alert.error)
    return alert
