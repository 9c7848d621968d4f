"""SMTP: building and sending a message (the outbox's transport); the local test server."""

from cistrade_core.mail.sender import Attachment, MailResult, build_message, send_mail

__all__ = ["Attachment", "MailResult", "build_message", "send_mail"]
