"""Alert mails to the market data team. Sending them never fails a rate load."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from cistrade_core.config import Settings
from cistrade_core.fx.store import FxStore
from cistrade_core.mail import build_message, send_mail

log = logging.getLogger(__name__)

SUBJECT_PREFIX = "[CisTrade FX]"
MAX_DETAIL_LINES = 60


@dataclass
class Alert:
    """One alert of a run. ``kind``: auth, fallback, outage, held, rejected, coverage or
    divergence."""

    kind: str
    subject: str
    lines: list[str] = field(default_factory=list)
    provider: str | None = None
    sent: bool = False
    error: str | None = None

    def text(self, run_id: str) -> str:
        body = list(self.lines[:MAX_DETAIL_LINES])
        if len(self.lines) > MAX_DETAIL_LINES:
            body.append(f"... and {len(self.lines) - MAX_DETAIL_LINES} more lines")
        body += ["", f"Run: {run_id}", "Sent by the CisTrade FX rates load."]
        return "\n".join(body) + "\n"


def send_alert(alert: Alert, *, settings: Settings, store: FxStore | None, run_id: str) -> Alert:
    """Mail ``alert`` to ``settings.market_data_recipients`` and record it.

    Errors of the mail server or of recording are logged, never raised.
    """
    subject = f"{SUBJECT_PREFIX} {alert.subject}"
    log.warning("FX alert (%s): %s", alert.kind, alert.subject)
    try:
        msg = build_message(
            subject=subject, sender=settings.smtp.mail_from,
            to=list(settings.market_data_recipients), text=alert.text(run_id),
            headers={"X-CisTrade-Alert": f"fx-{alert.kind}", "X-CisTrade-Run": run_id},
        )
        result = send_mail(msg, settings.smtp, settings.mail_spool_dir)
        alert.sent, alert.error = result.sent, result.error
    except Exception as exc:  # an alert must never fail the load
        alert.sent, alert.error = False, f"{type(exc).__name__}: {exc}"
    if not alert.sent:
        log.error("FX alert %r not sent: %s", alert.subject, alert.error)
    if store is not None:
        try:
            store.record_alert(run_id, alert.kind, alert.provider, subject,
                               settings.market_data_recipients, alert.sent, alert.error)
        except Exception:
            log.exception("FX alert %r could not be recorded", alert.subject)
    return alert
