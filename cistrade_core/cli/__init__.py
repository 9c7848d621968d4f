"""The ``cistrade`` command line. Each sub-command group lives in its own module."""

from __future__ import annotations

import importlib
import logging

import click

#: ``module:attribute`` of every sub-command group, loaded on demand.
COMMAND_GROUPS = {
    "acl": "cistrade_core.cli.acl:acl",
    "audit": "cistrade_core.cli.audit:audit",
    "fx": "cistrade_core.cli.fx:fx",
    "gmp": "cistrade_core.cli.gmp:gmp",
    "gx": "cistrade_core.cli.gx:gx",
    "mail": "cistrade_core.cli.mail:mail",
    "notify": "cistrade_core.cli.notify:notify",
    "portfolio": "cistrade_core.cli.portfolio:portfolio",
    "report": "cistrade_core.cli.report:report",
    "sql": "cistrade_core.cli.sql:sql",
    "udf": "cistrade_core.cli.udf:udf",
}


class LazyGroup(click.Group):
    """Imports a sub-command's module only when it is used, so ``--help`` stays fast."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMAND_GROUPS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMAND_GROUPS.get(cmd_name)
        if target is None:
            return None
        module, attr = target.split(":")
        return getattr(importlib.import_module(module), attr)


@click.group(cls=LazyGroup)
@click.option("-v", "--verbose", is_flag=True, help="Log progress to stderr.")
def main(verbose: bool) -> None:
    """CisTrade data platform: reference data, market data, reports."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
