"""Building a message and handing it to the SMTP server, with a few quick retries.

This is the transport of the mail outbox (:mod:`cistrade_core.notify.outbox`),
which records every mail and retries what could not be sent; nothing else sends
mail. A failed send never raises: it comes back as ``MailResult(sent=False)``
with an error text that never contains the SMTP password.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

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
    message_id: str | None = None,
) -> EmailMessage:
    """A standards-conforming message with a plain-text part and optional HTML.

    ``message_id`` keeps the ``Message-ID`` of an earlier attempt (a new one otherwise).
    """
    if not to:
        raise ValueError("a mail needs at least one recipient")
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = sender
    msg["To"] = ", ".join(to)
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = message_id or make_msgid(domain="cistrade.local")
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


def send_mail(msg: EmailMessage, smtp: SmtpSettings, *, attempts: int = 3) -> MailResult:
    """Send ``msg``, retrying transient errors; never raises for mail trouble."""
    message_id = str(msg["Message-ID"])
    try:
        _deliver(msg, smtp, attempts)
    except (*TRANSIENT_ERRORS, smtplib.SMTPException) as exc:
        error = _describe(exc, smtp)
        log.warning("mail %r to %s not sent: %s", msg["Subject"], msg["To"], error)
        return MailResult(False, message_id, error)
    log.info("mail %r sent to %s", msg["Subject"], msg["To"])
    return MailResult(True, message_id)
