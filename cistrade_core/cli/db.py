"""``cistrade db``: create and migrate the warehouse schema (``cistrade_core.schema``)."""

from __future__ import annotations

import click


@click.group()
def db() -> None:
    """The warehouse schema: create it, migrate it (upgrade)."""


@db.command()
def upgrade() -> None:
    """Create the tables, or bring a warehouse of an earlier release up to date."""
    from cistrade_core.schema import LATEST, schema_version
    from cistrade_core.schema import upgrade as run_upgrade
    from cistrade_core.warehouse import get_warehouse

    warehouse = get_warehouse()
    try:
        before = schema_version(warehouse)
        applied = run_upgrade(warehouse)
    finally:
        warehouse.close()
    for migration in applied:
        click.echo(f"applied {migration.version}: {migration.description}")
    if applied:
        click.echo(f"{warehouse!r}: schema version {before} -> {LATEST}")
    else:
        click.echo(f"{warehouse!r}: schema version {LATEST}, up to date")


@db.command()
def version() -> None:
    """Print the schema version of the warehouse and of this release."""
    from cistrade_core.schema import LATEST, schema_version
    from cistrade_core.warehouse import get_warehouse

    warehouse = get_warehouse()
    try:
        current = schema_version(warehouse)
    finally:
        warehouse.close()
    state = "up to date" if current >= LATEST else "behind: run `cistrade db upgrade`"
    click.echo(f"{warehouse!r}: schema version {current}, this release {LATEST} ({state})")
