"""The notification outbox: mail queued with a workflow step, sent after it commits.

A notification row is written in the same unit of work as the step it reports,
so a step never commits without its mail and a rolled-back step sends none.
Sending happens afterwards: a failed send leaves the step as it is, the message
goes to the mail spool (``cistrade mail retry``), and the row says ``SPOOLED``
until :meth:`Notifier.retry` sees it delivered.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from cistrade_core.clock import Clock, utcnow
from cistrade_core.config import Settings
from cistrade_core.ids import sortable_id
from cistrade_core.mail import build_message, flush_spool, send_mail
from cistrade_core.notify.render import MailKind, render
from cistrade_core.warehouse import Transaction, Warehouse, WriteConflict
from cistrade_core.warehouse.tables import Lt

log = logging.getLogger(__name__)
TABLE = "gmp_cis.cis_notification"
#: A row claimed for sending longer ago than this is assumed lost and sent again.
STALE_CLAIM = timedelta(hours=1)


@dataclass(frozen=True)
class DispatchResult:
    sent: int = 0
    spooled: int = 0

    def __add__(self, other: DispatchResult) -> DispatchResult:
        return DispatchResult(self.sent + other.sent, self.spooled + other.spooled)


class Notifier:
    """Queues notifications in the outbox table and sends them over SMTP."""

    def __init__(self, settings: Settings, clock: Clock = utcnow) -> None:
        self.settings = settings
        self.clock = clock

    # -- queueing (inside the caller's transaction) ---------------------------------------------
    def queue(self, tx: Transaction, kind: MailKind, recipients: Sequence[str],
              context: dict[str, Any], *, portfolio_code: str | None = None,
              version: int | None = None, dedupe_key: str | None = None) -> str | None:
        """Queue one mail; returns its id, or None when ``dedupe_key`` was queued before."""
        if dedupe_key is not None:
            if tx.query(f"SELECT 1 AS x FROM {TABLE} WHERE dedupe_key = ?", [dedupe_key]):
                return None
            tx.claim_unique(TABLE, "dedupe_key", dedupe_key)
        recipients = list(dict.fromkeys(r for r in recipients if r))
        mail = render(kind, context)
        nid = sortable_id()
        status = "PENDING" if recipients else "NO_RECIPIENTS"
        tx.insert(TABLE, [{
            "notification_id": nid, "event": str(kind), "portfolio_code": portfolio_code,
            "portfolio_version": version, "recipients": ", ".join(recipients),
            "subject": mail.subject, "body_text": mail.text, "body_html": mail.html,
            "dedupe_key": dedupe_key, "status": status, "attempts": 0,
            "error": None if recipients else "nobody to send it to", "spool_file": None,
            "message_id": None, "created_at": self.clock(), "sent_at": None,
        }])
        if not recipients and kind is not MailKind.SYSTEM_ALERT:
            self.queue_alert(
                tx, f"no recipient for the {kind.replace('_', ' ')} mail",
                f"The mail '{mail.subject}' has no recipients: check the ACL groups and "
                "e-mail addresses.",
                {"event": str(kind), "portfolio": portfolio_code or "", "version": version},
            )
        return nid

    def queue_alert(self, tx: Transaction, title: str, message: str,
                    details: dict[str, Any] | None = None) -> str | None:
        """A system alert to the configured alert recipients."""
        return self.queue(tx, MailKind.SYSTEM_ALERT, self.settings.alert_recipients,
                          {"title": title, "message": message, "details": details or {}})

    # -- sending (after the commit) ------------------------------------------------------------
    def dispatch(self, warehouse: Warehouse, ids: Iterable[str] | None = None) -> DispatchResult:
        """Send the given queued mails (all PENDING ones when ``ids`` is None).

        Never raises for mail trouble: what cannot be sent is spooled and recorded.
        """
        if ids is None:
            rows = warehouse.query(f"SELECT notification_id FROM {TABLE} "
                                   "WHERE status = 'PENDING' ORDER BY created_at")
            ids = [r["notification_id"] for r in rows]
        result = DispatchResult()
        for nid in ids:
            try:
                result = result + self._send_one(warehouse, nid)
            except Exception:  # a broken row must not stop the others, nor the caller
                log.exception("notification %s not dispatched; it stays queued", nid)
        return result

    def _claim(self, warehouse: Warehouse, nid: str) -> dict[str, Any] | None:
        """Mark a PENDING row SENDING and return it; None if it is not (or no longer) ours.

        The row is read first and the update is guarded by the state read
        (``attempts`` too, so a re-queued row can be claimed again): of two
        dispatchers claiming it at once, one matches nothing or conflicts.
        """
        try:
            with warehouse.transaction() as tx:
                rows = tx.query(f"SELECT * FROM {TABLE} WHERE notification_id = ?", [nid])
                if not rows or rows[0]["status"] != "PENDING":
                    return None
                row, now = rows[0], self.clock()
                claimed = tx.update(
                    TABLE, {"status": "SENDING", "attempts": row["attempts"] + 1, "sent_at": now},
                    {"notification_id": nid, "status": "PENDING", "attempts": row["attempts"]})
        except WriteConflict:
            log.info("notification %s was claimed by another dispatcher", nid)
            return None
        return {**row, "attempts": row["attempts"] + 1, "sent_at": now} if claimed else None

    def _send_one(self, warehouse: Warehouse, nid: str) -> DispatchResult:
        row = self._claim(warehouse, nid)
        if row is None:
            return DispatchResult()
        msg = build_message(
            subject=row["subject"], sender=self.settings.smtp.mail_from,
            to=[r.strip() for r in row["recipients"].split(",") if r.strip()],
            text=row["body_text"], html=row["body_html"],
            headers={"X-CisTrade-Event": row["event"],
                     "X-CisTrade-Notification": nid,
                     **({"X-CisTrade-Portfolio": row["portfolio_code"]}
                        if row["portfolio_code"] else {})},
        )
        outcome = send_mail(msg, self.settings.smtp, self.settings.mail_spool_dir)
        warehouse.update(TABLE, {
            "status": "SENT" if outcome.sent else "SPOOLED", "error": outcome.error,
            "spool_file": str(outcome.spooled_to) if outcome.spooled_to else None,
            "message_id": outcome.message_id, "sent_at": self.clock() if outcome.sent else None,
        }, {"notification_id": nid})
        return DispatchResult(sent=1) if outcome.sent else DispatchResult(spooled=1)

    def retry(self, warehouse: Warehouse) -> tuple[int, int]:
        """Retry spooled mail, re-queue lost claims, send what is queued.

        Returns (mails delivered now, mails still waiting).
        """
        flushed, _ = flush_spool(self.settings.smtp, self.settings.mail_spool_dir)
        delivered = self.reconcile(warehouse)
        self.requeue_stale(warehouse)
        result = self.dispatch(warehouse)
        waiting = warehouse.query(
            f"SELECT count(*) AS n FROM {TABLE} WHERE status IN ('PENDING', 'SPOOLED')")[0]["n"]
        log.info("mail retry: %d spooled mails sent, %d rows delivered", flushed, delivered)
        return delivered + result.sent, waiting

    def requeue_stale(self, warehouse: Warehouse) -> int:
        """Put rows claimed for sending longer than :data:`STALE_CLAIM` ago back to PENDING."""
        stale = {"status": "SENDING", "sent_at": Lt(self.clock() - STALE_CLAIM)}
        try:
            return warehouse.update(TABLE, {"status": "PENDING"}, stale)
        except WriteConflict:  # another retry re-queued (or a dispatcher claimed) them
            log.info("stale notification claims changed concurrently; left to that run")
            return 0

    def reconcile(self, warehouse: Warehouse) -> int:
        """Mark SPOOLED rows whose spool file is gone (delivered) as SENT; return how many."""
        rows = warehouse.query(
            f"SELECT notification_id, spool_file FROM {TABLE} WHERE status = 'SPOOLED'")
        done = [r["notification_id"] for r in rows
                if not r["spool_file"] or not Path(r["spool_file"]).exists()]
        marked = 0
        for nid in done:
            try:
                marked += warehouse.update(
                    TABLE, {"status": "SENT", "error": None, "sent_at": self.clock()},
                    {"notification_id": nid, "status": "SPOOLED"})
            except WriteConflict:  # reconciled by a concurrent run
                log.info("notification %s reconciled concurrently", nid)
        return marked


def notifications(warehouse: Warehouse | Transaction, portfolio_code: str | None = None,
                  event: str | None = None) -> list[dict[str, Any]]:
    """Outbox rows, oldest first (for the CLI and tests)."""
    sql = f"SELECT * FROM {TABLE} WHERE 1 = 1"
    params: list[Any] = []
    if portfolio_code is not None:
        sql += " AND portfolio_code = ?"
        params.append(portfolio_code)
    if event is not None:
        sql += " AND event = ?"
        params.append(event)
    return warehouse.query(sql + " ORDER BY created_at, notification_id", params)
