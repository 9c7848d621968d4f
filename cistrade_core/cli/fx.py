"""``cistrade fx``: load FX rates, show them, convert amounts, release held rates.

``simulate`` and ``fault`` (the market-data simulator) are development commands, from
:mod:`cistrade_dev.cli`.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal

import click

from cistrade_core.cli import params
from cistrade_core.fx.pairs import PROVIDERS


def _store():
    from cistrade_core.config import get_settings
    from cistrade_core.fx.store import FxStore
    from cistrade_core.warehouse import get_warehouse

    settings = get_settings()
    store = FxStore(get_warehouse(settings))
    store.ensure_schema()
    return settings, store


def _pairs(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> tuple[str, ...]:
    """Currency pairs as EURUSD, whatever way they were written; a clear error otherwise."""
    from cistrade_core.fx.pairs import normalise_pair

    try:
        return tuple(normalise_pair(p) for p in value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)[:200]) from None


def _show_run_log() -> None:
    """Show the run's log (fallbacks, retries, rejections): INFO and up of the FX modules,
    through the handler ``cistrade`` set up."""
    logging.getLogger("cistrade_core.fx").setLevel(logging.INFO)


@click.group()
def fx() -> None:
    """FX rates from Bloomberg (primary) and Reuters (backup)."""


@fx.command()
@click.option("--provider", type=click.Choice(PROVIDERS), default="bloomberg", show_default=True,
              help="bloomberg falls back to reuters; reuters is the backup feed's own run.")
@click.option("--pair", "pairs", multiple=True, callback=_pairs,
              help="Only these pairs (default: all covered).")
@click.option("--quiet", is_flag=True, help="Print the summary only, not the run's log.")
def load(provider: str, pairs: tuple[str, ...], quiet: bool) -> None:
    """Fetch, validate and store rates. Exit status 0 when fresh rates were stored, else 1.

    Endpoints: CISTRADE_BLOOMBERG_URL / CISTRADE_BLOOMBERG_API_KEY and
    CISTRADE_REUTERS_URL / CISTRADE_REUTERS_API_KEY.
    """
    from cistrade_core.fx.divergence import check_divergence
    from cistrade_core.fx.load import endpoints_from_env, run_load
    from cistrade_core.fx.settings import FxSettings

    if not quiet:
        _show_run_log()
    settings, store = _store()
    fx_settings = FxSettings.from_env()
    report = run_load(provider, settings=settings, fx=fx_settings,
                      endpoints=endpoints_from_env(), store=store, pairs=pairs or None)
    click.echo(report.summary())
    if provider == "reuters" and report.fresh:
        found = check_divergence(store, settings, threshold_bp=fx_settings.divergence_bp,
                                 max_age=fx_settings.stale_after, run_id=report.run_id)
        click.echo(f"  divergence over {fx_settings.divergence_bp} bp: {len(found)} pairs")
    raise SystemExit(0 if report.fresh else 1)


def _fmt(value: Decimal) -> str:
    return format(value.normalize(), "f")


@fx.command()
@click.argument("pairs", nargs=-1)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per rate.")
def show(pairs: tuple[str, ...], as_json: bool) -> None:
    """Current rates (all, or PAIR ...) with source and age. Exit 1 if a PAIR has none."""
    from cistrade_core.fx.models import format_age
    from cistrade_core.fx.pairs import normalise_pair
    from cistrade_core.fx.settings import FxSettings

    try:
        wanted = [normalise_pair(p) for p in pairs]
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    _, store = _store()
    stale_after = FxSettings.from_env().stale_after
    rates = store.current_rates(wanted or None, stale_after=stale_after)
    missing = [p for p in wanted if p not in {r.pair for r in rates}]
    if as_json:
        for r in rates:
            click.echo(json.dumps({
                "pair": r.pair, "bid": str(r.bid), "ask": str(r.ask), "mid": str(r.mid),
                "source": r.source, "source_id": r.source_id,
                "provider_ts": r.provider_ts.isoformat(), "age_seconds": int(r.age.total_seconds()),
                "stale": r.stale,
            }))
    else:
        if not rates and not missing:
            click.echo("no FX rates stored yet: run `cistrade fx load`")
        if rates:
            click.echo(f"{'PAIR':<7} {'BID':>16} {'ASK':>16} {'MID':>17} {'SOURCE':<10} "
                       f"{'PROVIDER TIME (UTC)':<20} {'AGE':>7}")
        for r in rates:
            flag = f"  STALE (> {format_age(stale_after)})" if r.stale else ""
            click.echo(f"{r.pair:<7} {_fmt(r.bid):>16} {_fmt(r.ask):>16} {_fmt(r.mid):>17} "
                       f"{r.source:<10} {r.provider_ts:%Y-%m-%d %H:%M:%S} "
                       f"{format_age(r.age):>7}{flag}")
        for p in missing:
            click.echo(f"{p:<7} no rate stored")
        stale = sum(r.stale for r in rates)
        if stale:
            click.echo(f"{stale} of {len(rates)} rates are stale (older than "
                       f"{format_age(stale_after)})")
    raise SystemExit(1 if missing else 0)


@fx.command()
@click.argument("amount")
@click.argument("from_ccy")
@click.argument("to_ccy")
@click.option("--at", "at", help="Use the rates current at this UTC time (ISO 8601).")
@click.option("--places", default=4, show_default=True, type=click.IntRange(0, 18),
              help="Decimal places shown.")
def convert(amount: str, from_ccy: str, to_ccy: str, at: str | None, places: int) -> None:
    """Convert AMOUNT of FROM into TO at mid rates (direct, inverse or through USD)."""
    from cistrade_core.clock import as_utc
    from cistrade_core.fx.convert import Converter, FxConversionError
    from cistrade_core.fx.settings import FxSettings

    when = None
    if at:
        try:
            when = as_utc(datetime.fromisoformat(at.replace("Z", "+00:00")))
        except (ValueError, OverflowError):
            raise click.BadParameter(f"not an ISO 8601 time: {at!r}", param_hint="--at") from None
    _, store = _store()
    converter = Converter.from_store(store, when, stale_after=FxSettings.from_env().stale_after)
    try:
        result = converter.convert(amount, from_ccy, to_ccy)
    except (ValueError, ArithmeticError) as exc:
        raise click.BadParameter(str(exc)[:200] or f"{amount[:40]!r} is not an amount: "
                                 "expected a decimal number") from None
    except FxConversionError as exc:
        raise click.ClickException(str(exc)) from None
    shown = result.result.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)
    click.echo(f"{result.amount:,} {result.from_ccy} = {shown:,} {result.to_ccy}")
    click.echo(f"  rate {_fmt(result.rate)} ({result.route})")
    for leg in result.legs:
        click.echo(f"  {leg.describe}")


@fx.command()
@click.option("--limit", default=10, show_default=True, type=params.LIMIT, help="Runs shown.")
def health(limit: int) -> None:
    """Recent load runs and each provider call's feed-health record."""
    _, store = _store()
    runs = store.load_runs(limit)
    if not runs:
        click.echo("no FX load runs yet")
    for run in runs:
        click.echo(f"{run['started_at']:%Y-%m-%d %H:%M:%S} {run['run_id']} "
                   f"{run['primary_provider']}: {run['status']}: {run['message']}")
        for h in store.feed_health(run["run_id"]):
            click.echo(f"    {h['provider']:<10} {h['role']:<9} {h['outcome']:<12} "
                       f"received {h['pairs_received']}/{h['pairs_requested']}, "
                       f"good {h['pairs_good']}, stored {h['pairs_stored']}, "
                       f"rejected {h['pairs_rejected']}, held {h['pairs_held']}, "
                       f"retries {h['retries']}" + (f"; {h['error']}" if h["error"] else ""))


@fx.command()
@click.argument("pairs", nargs=-1, required=True, callback=_pairs)
def release(pairs: tuple[str, ...]) -> None:
    """Store the latest held (jumped) rate of each PAIR as good, once checked by a person."""
    from cistrade_core.fx.load import new_run_id

    _, store = _store()
    run_id = new_run_id("fx-release")
    failed = False
    for pair in pairs:
        rate = store.release_held(pair, run_id)
        if rate is None:
            click.echo(f"{pair}: no held rate")
            failed = True
        else:
            click.echo(f"{rate.pair}: released mid {_fmt(rate.mid)} from {rate.source} "
                       f"({rate.provider_ts:%Y-%m-%d %H:%M:%S} UTC)")
    raise SystemExit(1 if failed else 0)


@fx.command("seed-currencies")
def seed_currencies_cmd() -> None:
    """Fill an empty currency reference table with ISO 4217 currencies (demos, development)."""
    from cistrade_core.fx.refdata import currency_count, seed_currencies

    _, store = _store()
    existing = currency_count(store.warehouse)
    if existing:
        click.echo(f"currency reference data present ({existing} rows): left as it is")
        return
    click.echo(f"{seed_currencies(store.warehouse)} ISO 4217 currencies written")
