"""Outgoing mail (with a retry spool) and the local file-storing SMTP server."""

from cistrade_core.mail.sender import MailResult, build_message, flush_spool, send_mail

__all__ = ["MailResult", "build_message", "flush_spool", "send_mail"]
