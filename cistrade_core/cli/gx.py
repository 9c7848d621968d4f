"""``cistrade gx``: the Great Expectations suites of the GMP feeds."""

from __future__ import annotations

from datetime import date

import click

from cistrade_core.cli.gmp import _date, _feeds
from cistrade_core.config import get_settings


@click.group()
def gx() -> None:
    """Great Expectations suites and Data Docs for the GMP feeds."""


@gx.command()
def render() -> None:
    """Rewrite expectations/ (the GX file context) from the feed definitions."""
    from cistrade_core.gmp.expectations import render_context

    click.echo(f"wrote {render_context()}")


@gx.command()
@click.option("--date", "day", required=True, callback=_date, help="Business date, YYYY-MM-DD.")
@click.option("--feed", "feeds", multiple=True, callback=_feeds,
              help="Only these feeds (repeatable).")
def validate(day: date, feeds: tuple[str, ...]) -> None:
    """Run the suites on a day's landed files and rebuild the Data Docs."""
    from cistrade_core.feeds import FEEDS
    from cistrade_core.gmp.expectations import run_suite

    settings = get_settings()
    ok = True
    for name in feeds or FEEDS:
        result = run_suite(name, day, settings)
        click.echo(result.summary())
        ok &= result.success
    raise SystemExit(0 if ok else 1)
