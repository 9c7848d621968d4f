"""``cistrade sql``: show or re-render DDL that is generated from the feed definitions."""

from __future__ import annotations

import click

from cistrade_core.config import SQL_DIR


@click.group()
def sql() -> None:
    """DDL generated from the feed definitions."""


@sql.command()
@click.option("--check", is_flag=True, help="Fail if the files in sql/ are out of date.")
def render(check: bool) -> None:
    """Write sql/duckdb/gmp_feed_tables.sql from the feed definitions."""
    from cistrade_core.warehouse.ddl import render_all

    target = SQL_DIR / "duckdb" / "gmp_feed_tables.sql"
    text = render_all("duckdb")
    if check:
        if not target.exists() or target.read_text() != text:
            raise click.ClickException(f"{target} is out of date: run `cistrade sql render`")
        click.echo(f"{target} is up to date")
        return
    target.write_text(text)
    click.echo(f"wrote {target}")
