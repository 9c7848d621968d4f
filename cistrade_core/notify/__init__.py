"""Outgoing mail: Jinja2 templates, and the outbox every mail is recorded in and sent from.

Alerts (GMP, FX, system), the portfolio workflow's mail and reports are each a
:class:`Mail` with a topic, recorded and sent by :class:`Notifier`; :func:`mails`
reads the outbox table ``gmp_cis.cis_mail_outbox``.
"""

from cistrade_core.notify.mail import SYSTEM, About, AttachedFile, Mail
from cistrade_core.notify.outbox import Delivery, DispatchResult, Notifier, mails
from cistrade_core.notify.render import MailKind, RenderedMail, render

__all__ = ["SYSTEM", "About", "AttachedFile", "Delivery", "DispatchResult", "Mail", "MailKind",
           "Notifier", "RenderedMail", "mails", "render"]
