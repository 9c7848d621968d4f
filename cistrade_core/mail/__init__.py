"""SMTP: building and sending a message (the outbox's transport).

The local file-storing SMTP server of demos and tests is :mod:`cistrade_dev.smtp_server`.
"""

from cistrade_core.mail.sender import Attachment, MailResult, build_message, send_mail

__all__ = ["Attachment", "MailResult", "build_message", "send_mail"]
