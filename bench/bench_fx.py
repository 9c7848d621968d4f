"""FX rates: a full load of 164 pairs in process, and a Bloomberg outage to stored Reuters
rates with the production retry policy.

Everything runs against the market-data simulator on loopback, a DuckDB file in a
temporary CISTRADE_HOME and a local SMTP server. Start-up (imports, schema, first
connections) is excluded by a warm-up run.
"""

from __future__ import annotations

import logging
import os
import statistics
import tempfile
import time
from dataclasses import replace
from pathlib import Path

RUNS = 10


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def main() -> None:
    logging.disable(logging.CRITICAL)
    with tempfile.TemporaryDirectory(prefix="bench-fx-") as home:
        os.environ["CISTRADE_HOME"] = home
        try:
            _run(Path(home))
        finally:
            logging.disable(logging.NOTSET)


def _run(home: Path) -> None:
    from cistrade_core.clock import utcnow
    from cistrade_core.config import SmtpSettings, get_settings
    from cistrade_core.fx.load import run_load
    from cistrade_core.fx.providers import ProviderEndpoint, make_client
    from cistrade_core.fx.refdata import seed_currencies
    from cistrade_core.fx.settings import FxSettings
    from cistrade_core.fx.store import FxStore
    from cistrade_core.fx.validation import validate
    from cistrade_core.warehouse import get_warehouse
    from cistrade_dev.fx_simulator import MarketDataSimulator
    from cistrade_dev.smtp_server import start_server

    smtp = start_server(home / "outbox")
    settings = replace(get_settings(), smtp=SmtpSettings(port=smtp.port))
    warehouse = get_warehouse(settings)
    seed_currencies(warehouse)
    store = FxStore(warehouse)
    fx = FxSettings()  # the production retry policy and limits
    try:
        with MarketDataSimulator(0, seed=11) as sim:
            endpoints = {p: ProviderEndpoint(p, sim.base_url(p), k) for p, k in sim.keys.items()}

            def load(provider="bloomberg"):
                return run_load(provider, settings=settings, fx=fx, endpoints=endpoints,
                                store=store)

            load()  # warm-up: schema, first connections
            totals = []
            for _ in range(RUNS):
                started = time.perf_counter()
                report = load()
                totals.append(time.perf_counter() - started)
                assert report.status == "ok" and report.stored == len(report.requested)
            pairs = len(report.requested)

            client = make_client(endpoints["bloomberg"], fx.retry)
            fetch, check, save = [], [], []
            for _ in range(RUNS):
                t0 = time.perf_counter()
                result = client.fetch()
                t1 = time.perf_counter()
                known, mids = store.reference_for_run()
                checked = validate(result.rates, known_currencies=known, last_mids=mids,
                                   now=utcnow(), rules=fx.rules)
                t2 = time.perf_counter()
                from cistrade_core.fx.health import LoadRun

                run = LoadRun(f"bench-{t0}", "bloomberg", utcnow(), utcnow(), "ok", pairs,
                              pairs, 0, 0, 0, "benchmark")
                store.save_run(run, checked.good, checked.rejected, [], checked.held)
                t3 = time.perf_counter()
                fetch.append(t1 - t0)
                check.append(t2 - t1)  # includes reading the reference data
                save.append(t3 - t2)
            client.close()

            print(f"fetch + validate + store {pairs} pairs (run_load, in process, "
                  f"{RUNS} runs after a warm-up):")
            print(f"  median {_ms(statistics.median(totals))}, min {_ms(min(totals))}, "
                  f"max {_ms(max(totals))} (target < 1 s)")
            print(f"  phases (median): fetch over HTTP {_ms(statistics.median(fetch))}, "
                  f"read reference data + validate {_ms(statistics.median(check))}, "
                  f"store {_ms(statistics.median(save))}")

            sim.set_fault("bloomberg", "down")
            started = time.perf_counter()
            report = load()
            elapsed = time.perf_counter() - started
            sim.clear_faults()
            bloomberg = next(c for c in report.health if c.provider == "bloomberg")
            waited = _waited(sim)
            assert report.by_source().get("reuters") and bloomberg.attempts == 4
            print("Bloomberg outage (connection reset on every attempt) to stored Reuters "
                  "rates, production retry policy "
                  f"({fx.retry.retries} retries, backoff {fx.retry.backoff_initial:g} s "
                  f"doubling, jitter up to {fx.retry.jitter:g} s):")
            print(f"  {elapsed:.2f} s in all: {waited:.2f} s of backoff between the 4 Bloomberg "
                  f"attempts, {elapsed - waited:.2f} s for everything else "
                  f"(target: retry budget + < 2 s); "
                  f"{report.by_source()['reuters']} pairs stored from Reuters")
    finally:
        smtp.stop()


def _waited(sim) -> float:
    """The backoff between the failed Bloomberg attempts, from the simulator's request log."""
    times = [r.at for r in sim.requests("bloomberg") if r.fault == "down"]
    return times[-1] - times[0] if len(times) > 1 else 0.0


if __name__ == "__main__":
    main()
