"""``cistrade portfolio``: the maker-checker workflow from the command line.

Every command acts as the logged-in user (``cistrade acl login``). Changes take
``--version``, the version you last saw (``show`` prints it): if the portfolio
changed since, the command is refused and nothing happens.
"""

from __future__ import annotations

import click

from cistrade_core.cli import params
from cistrade_core.cli.common import (
    core_errors,
    current_session,
    echo,
    echo_json,
    get_core,
    parse_assignments,
)
from cistrade_core.portfolio import Portfolio, PortfolioFilter, Status

VERSION = click.option("--version", "version", type=params.VERSION, required=True,
                       help="The version you are acting on (see `show`).")
UDF = click.option("--udf", "udfs", multiple=True, metavar="NAME=VALUE",
                   help="A user-defined field (repeat; empty value clears it).")


@click.group()
def portfolio() -> None:
    """Create, change, approve and inspect portfolios."""


def _print(p: Portfolio) -> None:
    echo(f"{p.portfolio_code}  version {p.version}  {p.status}")
    echo(f"  name:          {p.portfolio_name}")
    if p.description:
        echo(f"  description:   {p.description}")
    echo(f"  base currency: {p.base_currency}")
    echo(f"  owner / desk:  {p.owner} / {p.desk}")
    for name, value in sorted(p.udf_values.items()):
        echo(f"  udf {name}: {value}")
    if p.approved_by:
        echo(f"  approved by {p.approved_by} at {p.approved_at:%Y-%m-%d %H:%M} UTC")
    if p.pending_action:
        echo(f"  pending {p.pending_action.lower()} ({p.pending_status}) by "
                   f"{', '.join(p.change_makers)}")
        if p.pending_data and p.pending_action.value == "EDIT":
            from cistrade_core.portfolio import changes

            for c in changes(p.record(), p.pending_data):
                echo(f"    {c['field']}: {c['old']} -> {c['new']}")
    if p.status is Status.PENDING_APPROVAL or p.pending_status is Status.PENDING_APPROVAL:
        echo(f"  submitted by {p.submitted_by} at {p.submitted_at:%Y-%m-%d %H:%M} UTC")
    if p.rejection_reason:
        echo(f"  last rejection: {p.rejection_reason}")


def _done(p: Portfolio, what: str) -> None:
    echo(f"{p.portfolio_code} {what}: now version {p.version}, {p.status}"
               + (f" (pending {p.pending_action.lower()}: {p.pending_status})"
                  if p.pending_action else ""))


@portfolio.command()
@click.argument("code")
@click.option("--name", required=True)
@click.option("--currency", "base_currency", required=True, help="Base currency (ISO 4217).")
@click.option("--owner", required=True)
@click.option("--desk", required=True)
@click.option("--description")
@UDF
def create(code: str, name: str, base_currency: str, owner: str, desk: str,
           description: str | None, udfs: tuple[str, ...]) -> None:
    """Create a DRAFT portfolio."""
    core = get_core()
    session = current_session(core)
    with core_errors():
        p = core.portfolios.create(session, code, name=name, base_currency=base_currency,
                                   owner=owner, desk=desk, description=description,
                                   udf_values=parse_assignments(udfs))
    _done(p, "created")


@portfolio.command()
@click.argument("code")
@VERSION
@click.option("--name")
@click.option("--currency", "base_currency")
@click.option("--owner")
@click.option("--desk")
@click.option("--description")
@UDF
def edit(code: str, version: int, name: str | None, base_currency: str | None,
         owner: str | None, desk: str | None, description: str | None,
         udfs: tuple[str, ...]) -> None:
    """Change a draft, or propose a change to an ACTIVE portfolio."""
    core = get_core()
    session = current_session(core)
    with core_errors():
        p = core.portfolios.edit(session, code, version, name=name, description=description,
                                 base_currency=base_currency, owner=owner, desk=desk,
                                 udf_values=parse_assignments(udfs))
    _done(p, "edited")


@portfolio.command()
@click.argument("code")
@VERSION
def submit(code: str, version: int) -> None:
    """Submit the draft or pending change for approval (mails the checkers)."""
    core = get_core()
    session = current_session(core)
    with core_errors():
        p = core.portfolios.submit(session, code, version)
    _done(p, "submitted")


@portfolio.command()
@click.argument("code")
@VERSION
def approve(code: str, version: int) -> None:
    """Approve the change waiting for approval (not your own)."""
    core = get_core()
    session = current_session(core)
    with core_errors():
        p = core.portfolios.approve(session, code, version)
    _done(p, "approved")


@portfolio.command()
@click.argument("code")
@VERSION
@click.option("--reason", required=True, help="Why the change is rejected (mailed to the maker).")
def reject(code: str, version: int, reason: str) -> None:
    """Reject the change waiting for approval, with a reason."""
    core = get_core()
    session = current_session(core)
    with core_errors():
        p = core.portfolios.reject(session, code, version, reason)
    _done(p, "rejected")


@portfolio.command()
@click.argument("code")
@VERSION
@click.option("--reason")
def deactivate(code: str, version: int, reason: str | None) -> None:
    """Propose deactivating an ACTIVE portfolio (goes to the checkers)."""
    core = get_core()
    session = current_session(core)
    with core_errors():
        p = core.portfolios.deactivate(session, code, version, reason)
    _done(p, "deactivation submitted")


@portfolio.command()
@click.argument("code")
@click.option("--json", "as_json", is_flag=True)
def show(code: str, as_json: bool) -> None:
    """Show a portfolio, with any pending change."""
    core = get_core()
    session = current_session(core)
    with core_errors():
        p = core.portfolios.show(session, code)
    if as_json:
        echo_json(p.as_dict())
    else:
        _print(p)


@portfolio.command("list")
@click.option("--status", type=click.Choice([s.value for s in Status]))
@click.option("--desk")
@click.option("--owner")
@click.option("--awaiting-approval", is_flag=True, help="Only changes waiting for a checker.")
@click.option("--limit", default=500, show_default=True, type=params.LIMIT)
@click.option("--json", "as_json", is_flag=True)
def list_(status: str | None, desk: str | None, owner: str | None, awaiting_approval: bool,
          limit: int, as_json: bool) -> None:
    """List portfolios."""
    core = get_core()
    session = current_session(core)
    with core_errors():
        rows = core.portfolios.list(session, PortfolioFilter(
            status=status, desk=desk, owner=owner, awaiting_approval=awaiting_approval,
            limit=limit))
    if as_json:
        echo_json([p.as_dict() for p in rows])
        return
    for p in rows:
        pending = f"  pending {p.pending_action.lower()}: {p.pending_status}" \
            if p.pending_action else ""
        echo(f"{p.portfolio_code:<20} v{p.version:<4} {p.status:<17} {p.base_currency} "
                   f"{p.desk:<16} {p.portfolio_name}{pending}")


@portfolio.command()
@click.argument("code")
@click.option("--json", "as_json", is_flag=True)
def history(code: str, as_json: bool) -> None:
    """Every version of a portfolio, oldest first."""
    core = get_core()
    session = current_session(core)
    with core_errors():
        rows = core.portfolios.history(session, code)
    if as_json:
        echo_json(rows)
        return
    for r in rows:
        pending = f" pending {r['pending_action'].lower()}: {r['pending_status']}" \
            if r["pending_action"] else ""
        reason = f"  reason: {r['reason']}" if r["reason"] else ""
        echo(f"v{r['version']:<4} {r['action_at']:%Y-%m-%d %H:%M:%S} {r['action']:<10} "
                   f"{r['actor']:<14} {r['status']}{pending}{reason}")


@portfolio.command()
@click.option("--older-than-hours", type=params.FiniteFloat(0, 24 * 366), default=24.0,
              show_default=True)
def remind(older_than_hours: float) -> None:
    """Mail checkers about approvals waiting longer than the given age (as the daily DAG does).

    Needs WRITE on cis-portfolio-approval; the run is audited under your login.
    """
    from datetime import timedelta

    from cistrade_core.portfolio.reminders import send_reminders

    core = get_core()
    session = current_session(core)
    now = core.clock()
    with core_errors():
        report = send_reminders(core.warehouse, core.notifier, now,
                                timedelta(hours=older_than_hours), f"{now:%Y-%m-%d}",
                                by=session.user_login)
    echo(f"overdue: {', '.join(report.overdue) or 'none'}; reminders sent: "
               f"{len(report.queued)}; already reminded today: {len(report.already_sent)}")
