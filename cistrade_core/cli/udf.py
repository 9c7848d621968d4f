"""``cistrade udf``: define the user-defined fields portfolios carry."""

from __future__ import annotations

import click

from cistrade_core.cli.common import core_errors, current_session, echo, get_core


@click.group()
def udf() -> None:
    """User-defined fields (cis-udf)."""


@udf.command()
@click.argument("name")
@click.option("--label", required=True)
@click.option("--type", "data_type", required=True,
              type=click.Choice(["string", "integer", "decimal", "date", "boolean", "enum"],
                                case_sensitive=False))
@click.option("--allowed", "allowed", multiple=True, help="An allowed value (enum; repeat).")
@click.option("--mandatory", is_flag=True)
@click.option("--default")
def define(name, label, data_type, allowed, mandatory, default) -> None:
    """Define a field."""
    core = get_core()
    session = current_session(core)
    with core_errors():
        f = core.udfs.define(session, name, label, data_type, list(allowed), mandatory, default)
    echo(f"UDF {f.name} defined ({f.data_type.lower()})")


@udf.command()
@click.argument("name")
def retire(name: str) -> None:
    """Stop offering a field."""
    core = get_core()
    session = current_session(core)
    with core_errors():
        core.udfs.retire(session, name)
    echo(f"UDF {name} retired")


@udf.command("list")
@click.option("--all", "include_retired", is_flag=True, help="Include retired fields.")
def list_(include_retired: bool) -> None:
    """List the fields."""
    core = get_core()
    session = current_session(core)
    with core_errors():
        fields = core.udfs.list(session, include_retired)
    for f in fields:
        extra = []
        if f.allowed_values:
            extra.append("values " + "|".join(f.allowed_values))
        if f.mandatory:
            extra.append("mandatory")
        if f.default is not None:
            extra.append(f"default {f.default}")
        if not f.active:
            extra.append("retired")
        echo(f"{f.name:<20} {f.data_type.lower():<8} {f.label}  {'; '.join(extra)}")
