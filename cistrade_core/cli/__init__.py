"""The ``cistrade`` command line. Each sub-command group lives in its own module.

Every command is checked against the authorization table
(:mod:`cistrade_core.acl.commands`) before it runs (:mod:`cistrade_core.cli.guard`).
"""

from __future__ import annotations

import importlib
import logging
import os
from collections.abc import Iterator

import click

from cistrade_core import logs

#: ``module:attribute`` of every sub-command group, loaded on demand, with its
#: one-line help (``cistrade --help`` lists the groups without importing any).
COMMAND_GROUPS: dict[str, tuple[str, str]] = {
    "acl": ("cistrade_core.cli.acl:acl", "Sessions, users, groups and permissions."),
    "api": ("cistrade_core.cli.api:api", "The REST API: serve it, write its OpenAPI document."),
    "audit": ("cistrade_core.cli.audit:audit", "The audit log."),
    "fx": ("cistrade_core.cli.fx:fx", "FX rates from Bloomberg (primary) and Reuters (backup)."),
    "gmp": ("cistrade_core.cli.gmp:gmp",
            "GMP reference-data feeds: sample drops, the daily load, its history."),
    "gx": ("cistrade_core.cli.gx:gx", "Great Expectations suites and Data Docs for the GMP feeds."),
    "mail": ("cistrade_core.cli.mail:mail", "The mail outbox: recorded mail and retries."),
    "metrics": ("cistrade_core.cli.metrics:metrics",
                "Prometheus metrics of the platform and the Grafana dashboards."),
    "notify": ("cistrade_core.cli.notify:notify", "Queued and sent notification mail."),
    "portfolio": ("cistrade_core.cli.portfolio:portfolio",
                  "Create, change, approve and inspect portfolios."),
    "report": ("cistrade_core.cli.report:report", "Scheduled reports (definitions in reports/)."),
    "sql": ("cistrade_core.cli.sql:sql", "DDL generated from the feed definitions."),
    "udf": ("cistrade_core.cli.udf:udf", "User-defined fields (cis-udf)."),
}

#: The development commands (sample drops, the market-data simulator, the local SMTP
#: server) per group, as ``module:attribute`` of the ``cistrade_dev`` package: added to
#: their group when it is loaded, left out where that package is not installed.
DEV_COMMANDS: dict[str, tuple[str, ...]] = {
    "fx": ("cistrade_dev.cli:simulate", "cistrade_dev.cli:fault_cmd"),
    "gmp": ("cistrade_dev.cli:generate",),
    "mail": ("cistrade_dev.cli:serve",),
}
DEV_PACKAGE = "cistrade_dev"

log = logging.getLogger(__name__)


def _load(target: str) -> click.Command:
    module, attr = target.split(":")
    return getattr(importlib.import_module(module), attr)


def _dev_commands(group: str) -> Iterator[click.Command]:
    for target in DEV_COMMANDS.get(group, ()):
        try:
            yield _load(target)
        except ModuleNotFoundError as exc:
            if exc.name != DEV_PACKAGE:
                raise


class LazyGroup(click.Group):
    """Imports a sub-command's module only when it is used, so ``--help`` stays fast."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMAND_GROUPS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMAND_GROUPS.get(cmd_name)
        if target is None:
            return None
        from cistrade_core.cli.guard import guard_group

        group = _load(target[0])
        for command in _dev_commands(cmd_name):
            group.add_command(command)
        return guard_group(group)

    def invoke(self, ctx: click.Context):
        """Run the command; an error no command turned into a message becomes one.

        Every command validates its arguments and reports refusals itself; this is the
        last line, so that no Python traceback reaches a user. The traceback goes to the
        log (shown with ``-v``), never to the output.
        """
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.Abort,
                SystemExit, KeyboardInterrupt):
            raise
        except OSError as exc:
            log.info("cistrade: operating-system error", exc_info=True)
            where = f": {exc.filename}" if exc.filename else ""
            raise click.ClickException(f"{exc.strerror or type(exc).__name__}{where}") from None
        except Exception as exc:
            log.info("cistrade: unexpected error", exc_info=True)
            raise click.ClickException(
                f"internal error ({type(exc).__name__}); nothing more is shown here: run "
                "with -v to see the details in the log") from None

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, COMMAND_GROUPS[name][1]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


def _push_measurements(command: str | None) -> None:
    """Push what the command measured, when a Pushgateway is configured.

    One group per command group and warehouse engine: it holds the last such command's
    measurements (logins, pools, GMP steps).
    """
    if os.environ.get("CISTRADE_PUSHGATEWAY_URL"):
        from cistrade_core.monitoring.push import push_measurements

        push_measurements("cistrade_cli", {
            "command": command or "cistrade",
            "engine": os.environ.get("CISTRADE_WAREHOUSE", "duckdb")})


@click.group(cls=LazyGroup)
@click.option("-v", "--verbose", is_flag=True, help="Log progress to stderr.")
@click.pass_context
def main(ctx: click.Context, verbose: bool) -> None:
    """CisTrade data platform: reference data, market data, reports.

    CISTRADE_LOG_FORMAT=json writes the log as JSON lines; with
    CISTRADE_PUSHGATEWAY_URL set, each command pushes the metrics it measured.
    """
    try:
        logs.configure(verbose)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    ctx.call_on_close(lambda: _push_measurements(ctx.invoked_subcommand))
