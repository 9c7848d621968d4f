"""``cistrade gmp``: run the daily load, show the load history.

``generate`` (sample drops) is a development command, from :mod:`cistrade_dev.cli`.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import click

from cistrade_core.cli import params
from cistrade_core.clock import utcnow
from cistrade_core.config import get_settings
from cistrade_core.schema import ensure_core_schema
from cistrade_core.warehouse import SCHEMA


def _date(ctx: click.Context, param: click.Parameter, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date in YYYY-MM-DD form") from None


def _feeds(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> tuple[str, ...]:
    from cistrade_core.feeds import FEEDS

    unknown = [v for v in value if v not in FEEDS]
    if unknown:
        raise click.BadParameter(f"unknown feed {unknown[0][:40]!r}: expected one of "
                                 f"{', '.join(FEEDS)}")
    return value


@click.group()
def gmp() -> None:
    """GMP reference-data feeds: sample drops, the daily load, its history."""


@gmp.command()
@click.option("--date", "day", required=True, callback=_date, help="Business date, YYYY-MM-DD.")
@click.option("--landing", type=params.SafePath(path_type=Path, file_okay=False, exists=True),
              help="Landing directory (default $CISTRADE_HOME/landing).")
@click.option("--feed", "feeds", multiple=True, callback=_feeds,
              help="Only these feeds (repeatable).")
@click.option("--accept-row-count-change", is_flag=True,
              help="Operator override: load a feed held for a >10% row-count change.")
def load(day: date, landing: Path | None, feeds: tuple[str, ...],
         accept_row_count_change: bool) -> None:
    """Check and load one business day, exactly as the gmp_reference_etl DAG does.

    Prints one outcome line per feed; exits 0 only if every feed loaded, 75 when
    another load of the same day is running (nothing is done then).
    """
    from dataclasses import replace

    from cistrade_core.gmp.day_lock import LoadAlreadyRunning
    from cistrade_core.gmp.pipeline import GmpLoad

    settings = get_settings()
    if landing is not None:
        settings = replace(settings, landing_dir=landing.resolve())
    run = GmpLoad(settings)
    ensure_core_schema(run.warehouse)
    try:
        outcomes = run.run_day(day, feeds=feeds or None,
                               accept_row_count_change=accept_row_count_change)
    except LoadAlreadyRunning as exc:
        click.echo(f"Error: {exc}", err=True)
        raise SystemExit(75) from None  # EX_TEMPFAIL: try again later
    except KeyError as exc:  # an unknown --feed
        raise click.BadParameter(str(exc).strip('"'), param_hint="--feed") from None
    finally:
        run.cleanup_stage(day)
    for outcome in outcomes:
        click.echo(outcome.line())
        for problem in outcome.problems[:10]:
            click.echo(f"    {problem}")
        if len(outcome.problems) > 10:
            click.echo(f"    ... {outcome.problem_count - 10} more in the alert mail")
    raise SystemExit(0 if all(o.status == "loaded" for o in outcomes) else 1)


@gmp.command()
@click.option("--from", "start", callback=_date, help="First business date (default: 7 days ago).")
@click.option("--to", "end", callback=_date, help="Last business date (default: today).")
def status(start: date | None, end: date | None) -> None:
    """Print the load history."""
    from cistrade_core.gmp.store import GmpStore
    from cistrade_core.warehouse import get_warehouse

    end = end or date.today()
    start = start or end - timedelta(days=7)
    store = GmpStore(get_warehouse())
    ensure_core_schema(store.warehouse)
    records = store.load_history(start, end)
    click.echo(f"{'business date':<14}{'feed':<14}{'status':<10}{'rows':>9}  "
               f"{'extract (UTC)':<21}{'recorded (UTC)':<21}reason")
    for r in records:
        extract = r.extract_timestamp.strftime("%Y-%m-%d %H:%M:%S") if r.extract_timestamp else "-"
        recorded = r.recorded_at.strftime("%Y-%m-%d %H:%M:%S") if r.recorded_at else "-"
        rows = "-" if r.row_count is None else f"{r.row_count:,}"
        flag = " [override]" if r.override else ""
        click.echo(f"{r.business_date!s:<14}{r.feed:<14}{r.status:<10}{rows:>9}  "
                   f"{extract:<21}{recorded:<21}{r.reason}{flag}")
    if not records:
        click.echo(f"no loads between {start} and {end}")


@gmp.command()
@click.option("--date", "day", callback=_date, help="Business date (default: the latest loaded).")
def summary(day: date | None) -> None:
    """Rows per GMP table, the current day, and where the alerts and Data Docs are."""
    from cistrade_core.gmp.store import GmpStore
    from cistrade_core.warehouse import get_warehouse

    settings = get_settings()
    warehouse = get_warehouse(settings)
    store = GmpStore(warehouse)
    ensure_core_schema(warehouse)
    click.echo(f"Warehouse: {warehouse!r}")
    for name, counts in store.table_counts().items():
        current = warehouse.query(
            f"SELECT max(business_date) AS d FROM {SCHEMA}.gmp_cis_sta_dly_{name}")[0]["d"]
        click.echo(f"  {SCHEMA}.gmp_cis_sta_dly_{name:<13} current day {current or '-'!s:<11}"
                   f"{counts['current']:>9,} rows  ({counts['all_days']:,} rows over all days)")
    if day is not None:
        from cistrade_core.notify import mails

        alerts = mails(warehouse, topic="gmp", business_date=day)
        click.echo(f"Alerts for {day}: {len(alerts)}")
        for a in alerts:
            state = "sent" if a["status"] == "SENT" else f"not sent: {a['status']}"
            click.echo(f"  {a['subject']} -> {a['recipients']} ({state})")
    click.echo(f"Data Docs: {settings.data_docs_index}")
    click.echo(f"Outbox (mail as .eml): {settings.outbox_dir}")
    click.echo(f"Generated at {utcnow().astimezone():%Y-%m-%d %H:%M:%S}")
