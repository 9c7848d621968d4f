"""``cistrade report``: list the report definitions and run one."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from cistrade_core.cli import params
from cistrade_core.cli.gmp import _date


@click.group()
def report() -> None:
    """Scheduled reports (definitions in reports/)."""


@report.command("list")
def list_reports() -> None:
    """Every report with its schedule, formats and recipients."""
    from cistrade_core.reports.definition import load_all

    for d in load_all().values():
        assets = f" + on {len(d.schedule.assets)} Assets" if d.schedule.assets else ""
        click.echo(f"{d.name:<28} {d.period:<6} cron '{d.schedule.cron}' "
                   f"{d.schedule.timezone}{assets}")
        click.echo(f"{'':<28} {', '.join(d.formats)} -> {', '.join(d.recipients)}")


@report.command()
@click.argument("name")
@click.option("--date", "day", callback=_date,
              help="As-of date (default: the report's day for a run today).")
@click.option("--format", "formats", multiple=True, type=click.Choice(["csv", "xlsx", "pdf"]),
              help="Only these formats (repeatable; default: the report's).")
@click.option("--to", "to", multiple=True, help="Mail to these addresses instead (repeatable).")
@click.option("--out", type=params.SafePath(path_type=Path, file_okay=False),
              help="Write the files here (default: $CISTRADE_HOME/reports/NAME/DATE).")
@click.option("--no-mail", is_flag=True, help="Only build the files.")
def run(name: str, day: date | None, formats: tuple[str, ...], to: tuple[str, ...],
        out: Path | None, no_mail: bool) -> None:
    """Build report NAME and mail it; exits 1 if the mail could not be sent."""
    from cistrade_core.reports.definition import DefinitionError, RecipientError, get_definition
    from cistrade_core.reports.runner import build_report, deliver

    try:
        definition = get_definition(name)
    except DefinitionError as exc:
        raise click.ClickException(str(exc)) from None
    day = day or definition.default_as_of(date.today())
    recipients = None if no_mail else (list(to) or definition.recipients)
    try:
        built = build_report(definition, day, formats=formats or None, out=out,
                             recipients=recipients)
    except RecipientError as exc:  # checked before anything is built
        raise click.ClickException(str(exc)) from None
    click.echo(f"{definition.title} {day}: {built.row_count:,} rows")
    for path in built.files:
        click.echo(f"  {path}")
    if recipients is None:
        return
    try:
        result = deliver(built, recipients)
    except DefinitionError as exc:
        raise click.ClickException(str(exc)) from None
    if result.sent:
        click.echo(f"mailed to {', '.join(recipients)}")
    else:
        click.echo(f"NOT mailed ({result.error}); kept in the outbox as mail {result.mail_id}, "
                   "sent by `cistrade mail retry`")
        raise SystemExit(1)
