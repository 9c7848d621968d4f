"""Send mail over SMTP with retries; keep what could not be sent in a spool.

A failed send never raises into the caller's business step: the message is
written to the spool directory with the error, and :func:`flush_spool` (called
before every send and by ``cistrade mail retry``) tries it again later.
"""

from __future__ import annotations

import json
import logging
import smtplib
import ssl
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import formatdate, make_msgid
from pathlib import Path

from tenacity import retry, retry_if_exception_type, stop_after_attempt, wait_exponential

from cistrade_core.config import SmtpSettings

log = logging.getLogger(__name__)

#: Errors worth retrying: the server is down, slow, or said "try later".
TRANSIENT_ERRORS = (OSError, smtplib.SMTPServerDisconnected, smtplib.SMTPResponseException)


@dataclass(frozen=True)
class MailResult:
    """What happened to one message."""

    sent: bool
    message_id: str
    spooled_to: Path | None = None
    error: str | None = None


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    maintype: str = "application"
    subtype: str = "octet-stream"


def build_message(
    *,
    subject: str,
    sender: str,
    to: Sequence[str],
    text: str,
    html: str | None = None,
    attachments: Iterable[Attachment] = (),
    headers: dict[str, str] | None = None,
) -> EmailMessage:
    """A standards-conforming message with a plain-text part and optional HTML."""
    if not to:
        raise ValueError("a mail needs at least one recipient")
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = sender
    msg["To"] = ", ".join(to)
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain="cistrade.local")
    for key, value in (headers or {}).items():
        msg[key] = value
    msg.set_content(text)
    if html is not None:
        msg.add_alternative(html, subtype="html")
    for att in attachments:
        msg.add_attachment(
            att.content, maintype=att.maintype, subtype=att.subtype, filename=att.filename
        )
    return msg


def _describe(exc: BaseException, smtp: SmtpSettings) -> str:
    """An error text that never contains the password."""
    text = f"{type(exc).__name__}: {exc}"
    if smtp.password:
        text = text.replace(smtp.password, "***")
    return text


def _deliver_once(msg: EmailMessage, smtp: SmtpSettings) -> None:
    if smtp.ssl:
        client: smtplib.SMTP = smtplib.SMTP_SSL(
            smtp.host, smtp.port, timeout=smtp.timeout, context=ssl.create_default_context()
        )
    else:
        client = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout)
    with client:
        if smtp.starttls and not smtp.ssl:
            client.starttls(context=ssl.create_default_context())
        if smtp.user:
            client.login(smtp.user, smtp.password or "")
        client.send_message(msg)


def _deliver(msg: EmailMessage, smtp: SmtpSettings, attempts: int) -> None:
    retrying = retry(
        retry=retry_if_exception_type(TRANSIENT_ERRORS),
        stop=stop_after_attempt(attempts),
        wait=wait_exponential(multiplier=0.2, max=2),
        reraise=True,
    )
    retrying(_deliver_once)(msg, smtp)


def _spool(msg: EmailMessage, spool_dir: Path, error: str) -> Path:
    spool_dir.mkdir(parents=True, exist_ok=True)
    stem = f"{datetime.now(UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"
    eml = spool_dir / f"{stem}.eml"
    tmp = eml.with_suffix(".tmp")
    tmp.write_bytes(msg.as_bytes(policy=policy.SMTP))
    tmp.rename(eml)
    meta = {"error": error, "spooled_at": datetime.now(UTC).isoformat(), "attempts": 1}
    eml.with_suffix(".json").write_text(json.dumps(meta))
    return eml


def send_mail(
    msg: EmailMessage,
    smtp: SmtpSettings,
    spool_dir: Path | None = None,
    *,
    attempts: int = 3,
) -> MailResult:
    """Send ``msg``; on failure keep it in ``spool_dir`` and return ``sent=False``.

    Earlier spooled mail is retried first, so a recovered server drains the spool.
    """
    message_id = str(msg["Message-ID"])
    if spool_dir is not None:
        flush_spool(smtp, spool_dir, attempts=1)
    try:
        _deliver(msg, smtp, attempts)
    except (*TRANSIENT_ERRORS, smtplib.SMTPException) as exc:
        error = _describe(exc, smtp)
        log.warning("mail %r to %s not sent: %s", msg["Subject"], msg["To"], error)
        spooled = _spool(msg, spool_dir, error) if spool_dir is not None else None
        return MailResult(False, message_id, spooled, error)
    log.info("mail %r sent to %s", msg["Subject"], msg["To"])
    return MailResult(True, message_id)


def pending(spool_dir: Path) -> list[Path]:
    """Spooled messages, oldest first."""
    return sorted(spool_dir.glob("*.eml")) if spool_dir.exists() else []


def flush_spool(smtp: SmtpSettings, spool_dir: Path, *, attempts: int = 3) -> tuple[int, int]:
    """Retry every spooled message; return (sent, still pending)."""
    sent = 0
    left = 0
    for eml in pending(spool_dir):
        msg = BytesParser(policy=policy.default).parsebytes(eml.read_bytes())
        meta_path = eml.with_suffix(".json")
        try:
            _deliver(msg, smtp, attempts)
        except (*TRANSIENT_ERRORS, smtplib.SMTPException) as exc:
            left += 1
            meta = json.loads(meta_path.read_text()) if meta_path.exists() else {}
            meta.update(error=_describe(exc, smtp), attempts=meta.get("attempts", 0) + 1)
            meta_path.write_text(json.dumps(meta))
            continue
        sent += 1
        eml.unlink()
        meta_path.unlink(missing_ok=True)
        log.info("spooled mail %s sent", eml.name)
    return sent, left
