"""Portfolio notifications by e-mail: Jinja2 templates and a transactional outbox."""

from cistrade_core.notify.outbox import DispatchResult, Notifier, notifications
from cistrade_core.notify.render import MailKind, RenderedMail, render

__all__ = ["DispatchResult", "MailKind", "Notifier", "RenderedMail", "notifications", "render"]
