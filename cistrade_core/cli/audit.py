"""``cistrade audit``: query the audit log (needs READ on cis-audit)."""

from __future__ import annotations

import click

from cistrade_core.cli import params
from cistrade_core.cli.common import core_errors, current_session, echo, echo_json, get_core


@click.group()
def audit() -> None:
    """The audit log."""


@audit.command()
@click.option("--user", help="Acting user's login.")
@click.option("--action", help="e.g. LOGIN, CREATE, SUBMIT, APPROVE, REJECT.")
@click.option("--entity-type", help="e.g. portfolio, user, group, udf.")
@click.option("--entity", "entity_id", help="Entity id, e.g. a portfolio code.")
@click.option("--outcome", type=click.Choice(["SUCCESS", "DENIED", "INVALID", "CONFLICT",
                                              "ERROR"]))
@click.option("--since", type=click.DateTime(), help="From this UTC time (inclusive).")
@click.option("--until", type=click.DateTime(), help="Before this UTC time.")
@click.option("--limit", default=1000, show_default=True, type=params.LIMIT)
@click.option("--json", "as_json", is_flag=True, help="Print before/after and details too.")
def query(user, action, entity_type, entity_id, outcome, since, until, limit, as_json) -> None:
    """Audit rows matching the filters, oldest first."""
    from cistrade_core.audit import AuditFilter

    core = get_core()
    session = current_session(core)
    flt = AuditFilter(user=user, action=action.upper() if action else None,
                      entity_type=entity_type, entity_id=entity_id, outcome=outcome,
                      since=since, until=until, limit=limit)
    with core_errors():
        events = core.audit.query(session, flt)
    if as_json:
        echo_json([e.as_dict() for e in events])
        return
    for e in events:
        note = ""
        if e.outcome != "SUCCESS" and isinstance(e.detail, dict):
            note = f"  {e.detail.get('message', '')}"
        echo(f"{e.event_time:%Y-%m-%d %H:%M:%S} {e.user_login:<16} {e.action:<18} "
                   f"{e.entity_type}:{e.entity_id or '-':<16} {e.outcome}{note}")
