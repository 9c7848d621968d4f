"""``cistrade sql``: show or re-render DDL that is generated from the feed definitions."""

from __future__ import annotations

import click

from cistrade_core.config import SQL_DIR


def _generated() -> dict[str, str]:
    """Every generated file under ``sql/``, relative path -> text."""
    from cistrade_core.gmp.tables import rendered_files

    return rendered_files()


@click.group()
def sql() -> None:
    """DDL generated from the feed definitions."""


@sql.command()
@click.option("--check", is_flag=True, help="Fail if the files in sql/ are out of date.")
def render(check: bool) -> None:
    """Write the gmp_feed_tables.sql files (DuckDB, Hive, Impala) from the feed definitions."""
    stale = []
    for relative, text in _generated().items():
        target = SQL_DIR / relative
        if check:
            if not target.exists() or target.read_text() != text:
                stale.append(str(target))
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
        click.echo(f"wrote {target}")
    if stale:
        raise click.ClickException(f"out of date: {', '.join(stale)}: run `cistrade sql render`")
    if check:
        click.echo("sql/ is up to date")
