"""The development commands of ``cistrade``: sample GMP drops, the market-data simulator and
the local SMTP server.

Each joins its group when the group is loaded (``DEV_COMMANDS`` in
:mod:`cistrade_core.cli`), so ``cistrade gmp generate``, ``cistrade fx simulate``,
``cistrade fx fault`` and ``cistrade mail serve`` sit beside the production commands.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import click

from cistrade_core.cli import params
from cistrade_core.cli.gmp import _date
from cistrade_core.config import get_settings
from cistrade_core.fx.pairs import PROVIDERS

DEFAULT_SIM_PORT = 8611


# -- cistrade gmp generate ---------------------------------------------------------------------

def _fault_help() -> str:
    from cistrade_dev.gmp_samples import FAULTS

    return "One failure to build in: " + "; ".join(
        f"{f.name} ({f.description})" for f in FAULTS.values()
    )


class _FaultChoice(click.Choice):
    def __init__(self) -> None:
        from cistrade_dev.gmp_samples import FAULTS

        super().__init__(list(FAULTS))


@click.command()
@click.option("--date", "day", required=True, callback=_date, help="Business date, YYYY-MM-DD.")
@click.option("--out", type=params.SafePath(path_type=Path), help="Default: the landing directory.")
@click.option("--fault", type=_FaultChoice(), help="See the list of faults below.")
@click.option("--scale", default=1.0, show_default=True, type=params.FiniteFloat(0.0001, 1000),
              help="Size relative to a normal day (100 = 10M calendar rows).")
def generate(day: date, out: Path | None, fault: str | None, scale: float) -> None:
    """Write a realistic GMP drop (four data files and their control files)."""
    from cistrade_dev.gmp_samples import generate_drop

    settings = get_settings()
    out = out or settings.landing_dir
    written = generate_drop(day, out, fault=fault, scale=scale, timezone=settings.timezone)
    for feed, path in written.items():
        lines = sum(1 for _ in path.open("rb")) - 1
        click.echo(f"{feed:<13} {lines:>10,} data lines  {path}")
    if fault:
        click.echo(f"fault built in: {fault}")


generate.help = (generate.help or "") + "\n\n" + _fault_help()


# -- cistrade fx simulate / fault --------------------------------------------------------------

@click.command()
@click.option("--port", default=DEFAULT_SIM_PORT, show_default=True, type=params.PORT,
              help="Port on 127.0.0.1.")
@click.option("--fault", "faults", multiple=True, metavar="PROVIDER=KIND[:COUNT][@PAIRS]",
              help="e.g. bloomberg=down, bloomberg=429:2, reuters=jump@EURUSD,USDJPY. "
                   "Kinds: down slow 500 429 401 malformed partial stale crossed jump.")
@click.option("--seed", type=int, help="Seed of the random walk (repeatable prices).")
def simulate(port: int, faults: tuple[str, ...], seed: int | None) -> None:
    """Serve the Bloomberg and Reuters APIs on 127.0.0.1 until interrupted.

    The API keys accepted are CISTRADE_BLOOMBERG_API_KEY and CISTRADE_REUTERS_API_KEY
    when set, else the simulator's built-in demo keys.
    """
    import os

    from cistrade_dev.fx_simulator import DEFAULT_KEYS, MarketDataSimulator, parse_fault

    keys = {p: os.environ.get(f"CISTRADE_{p.upper()}_API_KEY") or DEFAULT_KEYS[p]
            for p in PROVIDERS}
    sim = MarketDataSimulator(port, keys=keys, seed=seed)
    try:
        parsed = [parse_fault(spec) for spec in faults]
    except (ValueError, TypeError) as exc:
        raise click.BadParameter(str(exc), param_hint="--fault") from None
    sim.start()
    for provider, fault in parsed:
        sim.set_fault(provider, fault.kind, count=fault.count, pairs=fault.pairs)
    click.echo(f"market-data simulator on {sim.url} (Ctrl-C stops it)")
    for p in PROVIDERS:
        source = ("from $CISTRADE_" + p.upper() + "_API_KEY"
                  if os.environ.get(f"CISTRADE_{p.upper()}_API_KEY")
                  else f"demo key {DEFAULT_KEYS[p]}")
        click.echo(f"  export CISTRADE_{p.upper()}_URL={sim.base_url(p)}   # key: {source}")
    for provider, fault in parsed:
        click.echo(f"  fault: {provider} {fault.kind}"
                   + (f" for {fault.count} requests" if fault.count else ""))
    sys.stdout.flush()
    try:
        sim.serve_forever()
    finally:
        sim.stop()


@click.command("fault")
@click.argument("specs", nargs=-1, metavar="PROVIDER=KIND[:COUNT][@PAIRS] ...")
@click.option("--url", envvar="CISTRADE_FX_SIMULATOR_URL",
              default=f"http://127.0.0.1:{DEFAULT_SIM_PORT}", show_default=True,
              help="The running simulator (env CISTRADE_FX_SIMULATOR_URL).")
@click.option("--clear", "clear", multiple=True, type=click.Choice(PROVIDERS),
              help="Clear the fault of this provider.")
def fault_cmd(specs: tuple[str, ...], url: str, clear: tuple[str, ...]) -> None:
    """Set or clear faults of a running simulator."""
    import requests

    from cistrade_dev.fx_simulator import parse_fault, set_remote_fault

    if not specs and not clear:
        raise click.UsageError("give PROVIDER=KIND specs or --clear PROVIDER")
    try:
        for provider in clear:
            set_remote_fault(url, provider, None)
            click.echo(f"{provider}: fault cleared")
        for spec in specs:
            provider, fault = parse_fault(spec)
            set_remote_fault(url, provider, fault)
            click.echo(f"{provider}: {fault.kind}"
                       + (f" for {fault.count} requests" if fault.count else ""))
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    except requests.RequestException as exc:
        raise click.ClickException(f"simulator at {url} not reachable: {exc}") from None


# -- cistrade mail serve -----------------------------------------------------------------------

@click.command()
@click.option("--port", default=8025, show_default=True, type=params.PORT,
              help="Port on 127.0.0.1.")
@click.option("--outbox", type=params.SafePath(path_type=Path),
              help="Default: $CISTRADE_HOME/outbox.")
def serve(port: int, outbox: Path | None) -> None:
    """Run an SMTP server on 127.0.0.1 that stores each message as an .eml file."""
    from cistrade_dev.smtp_server import serve_forever

    outbox = outbox or get_settings().outbox_dir
    click.echo(f"SMTP server on 127.0.0.1:{port}, storing mail in {outbox}")
    serve_forever(outbox, port)
