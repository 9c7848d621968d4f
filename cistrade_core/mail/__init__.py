"""Outgoing mail, with a retry spool.

The local file-storing SMTP server of demos and tests is :mod:`cistrade_dev.smtp_server`.
"""

from cistrade_core.mail.sender import MailResult, build_message, flush_spool, send_mail

__all__ = ["MailResult", "build_message", "flush_spool", "send_mail"]
