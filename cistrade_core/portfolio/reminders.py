"""Reminding checkers of changes waiting for approval longer than a given age."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from cistrade_core.acl.model import SystemActor
from cistrade_core.audit import AuditedRunner, Done, Operation
from cistrade_core.notify import MailKind, Notifier
from cistrade_core.portfolio import store
from cistrade_core.portfolio.model import Portfolio
from cistrade_core.portfolio.store import PortfolioFilter
from cistrade_core.portfolio.workflow import (
    checker_emails,
    checkers,
    mail_context,
    portfolio_mail,
)
from cistrade_core.warehouse import Transaction, Warehouse

REMINDER_ACTOR = SystemActor("system:approval-reminders")


@dataclass(frozen=True)
class ReminderReport:
    overdue: list[str] = field(default_factory=list)     # portfolio codes
    queued: list[str] = field(default_factory=list)      # mail ids (outbox)
    already_sent: list[str] = field(default_factory=list)


def age_text(age: timedelta) -> str:
    hours = int(age.total_seconds() // 3600)
    days, hours = divmod(hours, 24)
    if days:
        return f"{days} day{'s' if days != 1 else ''} {hours} h"
    return f"{hours} h"


def overdue_approvals(q: Transaction | Warehouse, now: datetime,
                      max_age: timedelta) -> list[Portfolio]:
    """Portfolios whose change was submitted at least ``max_age`` before ``now``."""
    return store.select(q, PortfolioFilter(awaiting_approval=True,
                                           submitted_before=now - max_age, limit=100_000))


def send_reminders(warehouse: Warehouse, notifier: Notifier, now: datetime,
                   max_age: timedelta, run_key: str, dispatch: bool = True,
                   by: str | None = None) -> ReminderReport:
    """Queue (and send) one reminder per overdue portfolio to the checkers who may decide.

    ``run_key`` (e.g. the run's date) makes the job idempotent: a portfolio version
    is reminded once per key. The run leaves one audit row, under ``by`` (the user who
    asked for it) or the reminder job's own name. The mail is queued in
    the run's unit of work and dispatched after it, once it is visible on every engine.
    """
    op = Operation(by or REMINDER_ACTOR.login, "REMIND", "portfolio", None,
                   request={"max_age_hours": max_age.total_seconds() / 3600,
                            "run_key": run_key})

    def body(tx: Transaction) -> Done[ReminderReport]:
        report = ReminderReport()
        overdue = overdue_approvals(tx, now, max_age)
        approvers = checkers(tx) if overdue else []
        for p in overdue:
            report.overdue.append(p.portfolio_code)
            context = mail_context(p, p, None, None)
            context.update(submitted_at=f"{p.submitted_at:%Y-%m-%d %H:%M}",
                           age_text=age_text(now - p.submitted_at))
            nid = notifier.queue(tx, portfolio_mail(
                MailKind.APPROVAL_REMINDER,
                checker_emails(tx, exclude=p.change_makers, among=approvers), context, p,
                dedupe_key=f"reminder:{p.portfolio_code}:{p.version}:{run_key}"))
            (report.queued if nid else report.already_sent).append(nid or p.portfolio_code)
        return Done(report, detail={"overdue": report.overdue,
                                    "reminded": len(report.queued),
                                    "already_sent": report.already_sent})

    report = AuditedRunner(warehouse, notifier.clock).run(op, body)
    if dispatch and report.queued:
        notifier.dispatch(warehouse, report.queued)
    return report
