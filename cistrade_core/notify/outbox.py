"""The mail outbox: every outgoing mail is recorded once, in ``gmp_cis.cis_mail_outbox``,
and sent from there.

GMP and FX alerts, the portfolio workflow's mail, system alerts and reports all
go through :class:`Notifier`:

* :meth:`Notifier.queue` records a mail in the caller's unit of work, so a
  workflow step never commits without its mail and a rolled-back step has none;
  the caller dispatches it once the step has committed.
* :meth:`Notifier.send` records a mail in a unit of work of its own and sends it
  at once (alerts, reports); mail that failed earlier is retried first.
* :meth:`Notifier.retry` (``cistrade mail retry``, the DAGs) sends everything
  waiting, and mail whose sender died.

Sending never raises for mail trouble: a failed send leaves the row ``FAILED``
with the error (never the SMTP password) until a later retry delivers it. A row
is claimed before it is sent (``SENDING``, a conditional update in a unit of
work: of two senders, one matches nothing or gets ``WriteConflict``), so two
processes flushing at once never send a mail twice. A claim older than
:data:`STALE_CLAIM` is taken as lost with its process, and the mail is sent again
with the same ``Message-ID``, by which receiving mail systems recognise a repeat.
"""

from __future__ import annotations

import json
import logging
import os
import socket
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from email.message import EmailMessage
from typing import Any
from weakref import WeakSet

from cistrade_core.clock import Clock, utcnow
from cistrade_core.config import Settings
from cistrade_core.ids import sortable_id
from cistrade_core.mail.sender import MailResult, build_message, send_mail
from cistrade_core.notify.mail import SYSTEM, AttachedFile, Mail
from cistrade_core.recipients import join_recipients, parse_recipients
from cistrade_core.warehouse import SCHEMA, Transaction, Warehouse, WriteConflict
from cistrade_core.warehouse.tables import Lt

log = logging.getLogger(__name__)

TABLE = f"{SCHEMA}.cis_mail_outbox"
PENDING, SENDING, SENT, FAILED, NO_RECIPIENTS = (
    "PENDING", "SENDING", "SENT", "FAILED", "NO_RECIPIENTS")
#: Mail waiting to be sent: never tried, or failed before.
WAITING = (PENDING, FAILED)
#: A row claimed for sending longer ago than this is taken as lost and sent again.
STALE_CLAIM = timedelta(minutes=15)
#: SMTP attempts per send (quick retries of transient errors; later ones come from retry).
ATTEMPTS = 3


def _table_exists(warehouse: Warehouse) -> bool:
    try:
        warehouse.query(f"SELECT count(*) AS n FROM {TABLE} WHERE 1 = 0")
    except Exception:
        return False
    return True


def _sender() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass(frozen=True)
class Delivery:
    """Where a mail stands after an attempt to send it."""

    mail_id: str | None
    status: str
    message_id: str | None = None
    error: str | None = None

    @property
    def sent(self) -> bool:
        return self.status == SENT

    @classmethod
    def of(cls, row: dict[str, Any]) -> Delivery:
        return cls(row["mail_id"], row["status"], row["message_id"], row["error"])


@dataclass(frozen=True)
class DispatchResult:
    sent: int = 0
    failed: int = 0

    def __add__(self, other: DispatchResult) -> DispatchResult:
        return DispatchResult(self.sent + other.sent, self.failed + other.failed)


class Notifier:
    """Records mail in the outbox table and sends it over SMTP (``settings.smtp``)."""

    def __init__(self, settings: Settings, clock: Clock = utcnow) -> None:
        self.settings = settings
        self.clock = clock
        self._schema_ready: WeakSet[Warehouse] = WeakSet()

    def ensure_schema(self, warehouse: Warehouse) -> None:
        """Create the outbox table if missing (once per warehouse object)."""
        if warehouse in self._schema_ready:
            return
        try:
            warehouse.ensure_store_schema()
        except Exception:  # DDL racing with another sender's: what counts is the table
            if not _table_exists(warehouse):
                raise
            log.info("the store tables were created concurrently by another sender")
        self._schema_ready.add(warehouse)

    # -- recording ------------------------------------------------------------------------------
    def queue(self, tx: Transaction, mail: Mail) -> str | None:
        """Record ``mail`` in ``tx`` to be sent; its id, or None when its dedupe key was
        recorded before. A mail without recipients is kept as ``NO_RECIPIENTS`` and raises
        a system alert."""
        row = self._insert(tx, mail, claimed=False)
        return row["mail_id"] if row else None

    def _insert(self, tx: Transaction, mail: Mail, *, claimed: bool) -> dict[str, Any] | None:
        """Insert the row of ``mail``, claimed for this process when ``claimed``."""
        if mail.dedupe_key is not None:
            if tx.query(f"SELECT 1 AS x FROM {TABLE} WHERE dedupe_key = ?", [mail.dedupe_key]):
                return None
            tx.claim_unique(TABLE, "dedupe_key", mail.dedupe_key)
        now, mail_id = self.clock(), sortable_id()
        status = (SENDING if claimed else PENDING) if mail.recipients else NO_RECIPIENTS
        row = {
            "mail_id": mail_id, "topic": mail.topic, "subject": mail.subject,
            "body_text": mail.text, "body_html": mail.html,
            "recipients": join_recipients(mail.recipients),
            "headers": json.dumps(dict(mail.headers), sort_keys=True) if mail.headers else None,
            "attachments": (json.dumps([a.as_json() for a in mail.attachments])
                            if mail.attachments else None),
            "dedupe_key": mail.dedupe_key, **mail.about.columns(),
            "status": status, "attempts": 1 if status == SENDING else 0,
            "error": None if mail.recipients else "nobody to send it to",
            "message_id": f"<{mail_id}@cistrade.local>", "created_at": now,
            "claimed_at": now if status == SENDING else None,
            "claimed_by": _sender() if status == SENDING else None, "sent_at": None,
        }
        tx.insert(TABLE, [row])
        if not mail.recipients and mail.topic != SYSTEM:
            self._insert(tx, self._no_recipient_alert(mail), claimed=False)
        return row

    def _no_recipient_alert(self, mail: Mail) -> Mail:
        what = mail.topic.rsplit(".", 1)[-1].replace("_", " ")
        return Mail.from_template(
            SYSTEM, "system_alert",
            {"title": f"no recipient for the {what} mail",
             "message": f"The mail '{mail.subject}' has no recipients: check the ACL groups, "
                        "the e-mail addresses and the configured recipients.",
             "details": {"topic": mail.topic, **mail.about.given()}},
            self.settings.alert_recipients, headers={"X-CisTrade-Event": "system_alert"})

    def _record(self, warehouse: Warehouse, mail: Mail) -> tuple[dict[str, Any], bool]:
        """The row of ``mail``, claimed by this process, and True; or, for a dedupe key
        recorded before, that earlier row and False."""
        try:
            with warehouse.transaction() as tx:
                row = self._insert(tx, mail, claimed=True)
        except WriteConflict:
            if mail.dedupe_key is None:
                raise
            row = None  # recorded by another process at the same moment
        if row is not None:
            return row, True
        return warehouse.query(f"SELECT * FROM {TABLE} WHERE dedupe_key = ?",
                               [mail.dedupe_key])[0], False

    # -- sending -------------------------------------------------------------------------------
    def send(self, warehouse: Warehouse, mail: Mail) -> Delivery:
        """Record ``mail`` and send it now, after retrying mail that failed before.

        A mail whose dedupe key was recorded before is not recorded again: it is sent
        only if it is still waiting (or its sender's claim went stale). Never raises: a
        mail that cannot be sent stays in the outbox as ``FAILED``, for :meth:`retry`.
        """
        try:
            self.ensure_schema(warehouse)
            row, new = self._record(warehouse, mail)
        except Exception as exc:  # the caller's work (a load) must not fail with its mail
            log.exception("mail %r (%s) could not be recorded, so it was not sent",
                          mail.subject, mail.topic)
            return Delivery(None, FAILED, error=f"not recorded: {type(exc).__name__}: {exc}")
        if not new and row["status"] == SENDING and self.requeue_stale(warehouse):
            row = self._row(warehouse, row["mail_id"])  # its sender may have died
        ours = new and row["status"] == SENDING
        if not ours and row["status"] not in WAITING:
            return Delivery.of(row)  # sent before, being sent, or nobody to send it to
        try:
            self._retry_failed(warehouse, skip=[row["mail_id"]])
            if ours:
                return self._deliver(warehouse, row, ATTEMPTS)
            return (self._send_one(warehouse, row["mail_id"], ATTEMPTS)
                    or Delivery.of(self._row(warehouse, row["mail_id"])))
        except Exception as exc:
            log.exception("mail %s not sent; it stays in the outbox", row["mail_id"])
            return Delivery(row["mail_id"], FAILED, row["message_id"],
                            f"{type(exc).__name__}: {exc}")

    def dispatch(self, warehouse: Warehouse, ids: Iterable[str] | None = None, *,
                 attempts: int = ATTEMPTS) -> DispatchResult:
        """Send the given mails, after one more attempt at each mail that failed before; or,
        when ``ids`` is None, every waiting mail, oldest first. Counts the given mails.

        A mail another sender has claimed, or that was sent, is left alone. Never
        raises for mail trouble: what cannot be sent is recorded as ``FAILED``.
        """
        if ids is None:
            return self._send_all(warehouse, self._ids(warehouse, WAITING), attempts)
        ids = list(ids)
        self._retry_failed(warehouse, skip=ids)
        return self._send_all(warehouse, ids, attempts)

    def _retry_failed(self, warehouse: Warehouse, skip: Sequence[str]) -> None:
        """One more attempt at each mail that failed before (but those in ``skip``)."""
        self._send_all(warehouse, [i for i in self._ids(warehouse, [FAILED]) if i not in skip],
                       attempts=1)

    def _send_all(self, warehouse: Warehouse, ids: Iterable[str], attempts: int
                  ) -> DispatchResult:
        result = DispatchResult()
        for mail_id in ids:
            try:
                delivery = self._send_one(warehouse, mail_id, attempts)
            except Exception:  # a broken row must not stop the others, nor the caller
                log.exception("mail %s not dispatched; it stays in the outbox", mail_id)
                continue
            if delivery is not None:
                result += DispatchResult(sent=1) if delivery.sent else DispatchResult(failed=1)
        return result

    def retry(self, warehouse: Warehouse) -> tuple[int, int]:
        """Send every waiting mail, and mail whose claim went stale.

        Returns (mails delivered now, mails still waiting).
        """
        self.ensure_schema(warehouse)
        self.requeue_stale(warehouse)
        result = self.dispatch(warehouse)
        waiting = len(self._ids(warehouse, WAITING))
        log.info("mail retry: %d delivered, %d still waiting", result.sent, waiting)
        return result.sent, waiting

    def requeue_stale(self, warehouse: Warehouse) -> int:
        """Put rows claimed longer than :data:`STALE_CLAIM` ago back to ``PENDING``."""
        stale = {"status": SENDING, "claimed_at": Lt(self.clock() - STALE_CLAIM)}
        try:
            return warehouse.update(TABLE, {"status": PENDING}, stale)
        except WriteConflict:  # another retry re-queued (or a sender claimed) them
            log.info("stale mail claims changed concurrently; left to that run")
            return 0

    def _ids(self, warehouse: Warehouse, statuses: Sequence[str]) -> list[str]:
        rows = warehouse.query(
            f"SELECT mail_id FROM {TABLE} WHERE status IN ({', '.join('?' for _ in statuses)}) "
            "ORDER BY created_at, mail_id", list(statuses))
        return [r["mail_id"] for r in rows]

    def _row(self, warehouse: Warehouse, mail_id: str) -> dict[str, Any]:
        return warehouse.query(f"SELECT * FROM {TABLE} WHERE mail_id = ?", [mail_id])[0]

    def _claim(self, warehouse: Warehouse, mail_id: str) -> dict[str, Any] | None:
        """Mark a waiting row ``SENDING`` and return it; None if it is not (or no longer) ours.

        The update is guarded by the state read (status and attempts): of two senders
        claiming the row at once, one matches nothing or conflicts.
        """
        try:
            with warehouse.transaction() as tx:
                rows = tx.query(f"SELECT * FROM {TABLE} WHERE mail_id = ?", [mail_id])
                if not rows or rows[0]["status"] not in WAITING:
                    return None
                row = rows[0]
                claim = {"status": SENDING, "attempts": row["attempts"] + 1,
                         "claimed_at": self.clock(), "claimed_by": _sender()}
                claimed = tx.update(TABLE, claim, {"mail_id": mail_id, "status": row["status"],
                                                   "attempts": row["attempts"]})
        except WriteConflict:
            log.info("mail %s was claimed by another sender", mail_id)
            return None
        return {**row, **claim} if claimed else None

    def _send_one(self, warehouse: Warehouse, mail_id: str, attempts: int) -> Delivery | None:
        row = self._claim(warehouse, mail_id)
        return None if row is None else self._deliver(warehouse, row, attempts)

    def _deliver(self, warehouse: Warehouse, row: dict[str, Any], attempts: int) -> Delivery:
        """Send a row this process has claimed and record the outcome."""
        try:
            outcome = send_mail(self._message(row), self.settings.smtp, attempts=attempts)
        except Exception as exc:  # the row cannot be made a message (an attachment is gone)
            outcome = MailResult(False, row["message_id"], f"{type(exc).__name__}: {exc}")
            log.error("mail %s cannot be sent: %s", row["mail_id"], outcome.error)
        status = SENT if outcome.sent else FAILED
        changes = {"status": status, "error": outcome.error,
                   "sent_at": self.clock() if outcome.sent else None}
        ours = {"mail_id": row["mail_id"], "status": SENDING, "attempts": row["attempts"]}
        try:
            if not warehouse.update(TABLE, changes, ours):
                log.warning("mail %s was taken over while being sent; its row is left to the "
                            "new sender", row["mail_id"])
        except Exception:  # sent, or not; the claim lapses and a later retry decides
            log.exception("outcome of mail %s (%s) not recorded", row["mail_id"], status)
        return Delivery(row["mail_id"], status, row["message_id"], outcome.error)

    def _message(self, row: dict[str, Any]) -> EmailMessage:
        headers = {**json.loads(row["headers"] or "{}"), "X-CisTrade-Topic": row["topic"],
                   "X-CisTrade-Mail-Id": row["mail_id"]}
        files = [AttachedFile.from_json(a) for a in json.loads(row["attachments"] or "[]")]
        return build_message(
            subject=row["subject"], sender=self.settings.smtp.mail_from,
            to=list(parse_recipients(row["recipients"], source=f"mail {row['mail_id']}")),
            text=row["body_text"], html=row["body_html"],
            attachments=[f.read() for f in files], headers=headers,
            message_id=row["message_id"])


def mails(source: Warehouse | Transaction, *, topic: str | None = None,
          feed: str | None = None, business_date: date | None = None,
          between: tuple[date, date] | None = None, run_id: str | None = None,
          portfolio_code: str | None = None, status: str | None = None
          ) -> list[dict[str, Any]]:
    """Outbox rows, oldest first. ``topic`` matches itself and the topics below it
    (``gmp`` matches ``gmp.data_quality``); ``between`` bounds ``business_date``."""
    sql = f"SELECT * FROM {TABLE} WHERE 1 = 1"
    params: list[Any] = []
    if topic is not None:
        sql += " AND (topic = ? OR substr(topic, 1, ?) = ?)"
        params += [topic, len(topic) + 1, f"{topic}."]
    for column, value in (("feed", feed), ("business_date", business_date), ("run_id", run_id),
                          ("portfolio_code", portfolio_code), ("status", status)):
        if value is not None:
            sql += f" AND {column} = ?"
            params.append(value)
    if between is not None:
        sql += " AND business_date BETWEEN ? AND ?"
        params += list(between)
    return source.query(sql + " ORDER BY created_at, mail_id", params)
