"""Fixtures of the FX tests: the market-data simulator on loopback, seeded currency
reference data, fast retry settings and the provider endpoints."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date

import pytest

from cistrade_core.fx.pairs import CURRENCIES
from cistrade_core.fx.providers import ProviderEndpoint, RetryPolicy
from cistrade_core.fx.settings import FxSettings
from cistrade_dev.fx_simulator import MarketDataSimulator

#: Keys unlike anything else in the code, so a leak is easy to find.
KEYS = {"bloomberg": "bbg-KEY-7f3a9c0d5e", "reuters": "rtr-KEY-52e1b8aa91"}

#: Small waits keep the suite fast; the retry count is the production one.
FAST_RETRY = RetryPolicy(retries=3, backoff_initial=0.01, backoff_max=0.05, jitter=0.01,
                         max_retry_after=5.0, connect_timeout=0.5, read_timeout=0.4)
FAST_ENV = {
    "CISTRADE_FX_BACKOFF_INITIAL": "0.01", "CISTRADE_FX_BACKOFF_MAX": "0.05",
    "CISTRADE_FX_BACKOFF_JITTER": "0.01", "CISTRADE_FX_CONNECT_TIMEOUT": "0.5",
    "CISTRADE_FX_READ_TIMEOUT": "0.4", "CISTRADE_FX_MAX_RETRY_AFTER": "5",
}


def seed_currency_table(warehouse, codes: Iterable[str] = CURRENCIES,
                        business_date: date | None = None, inactive: Iterable[str] = ()) -> int:
    """Currency reference data in ``gmp_cis.gmp_cis_sta_dly_currency``, as the GMP load
    would leave it."""
    from cistrade_core.fx.refdata import seed_currencies
    from cistrade_core.gmp.store import GmpStore

    GmpStore(warehouse).ensure_schema()
    return seed_currencies(warehouse, codes, business_date, inactive=inactive)


@pytest.fixture
def sim():
    """The simulator on a free loopback port, accepting :data:`KEYS`."""
    with MarketDataSimulator(0, keys=KEYS, seed=7) as simulator:
        yield simulator


@pytest.fixture
def endpoints(sim):
    return {p: ProviderEndpoint(p, sim.base_url(p), KEYS[p]) for p in KEYS}


@pytest.fixture
def fx_settings() -> FxSettings:
    return FxSettings(retry=FAST_RETRY)


@pytest.fixture
def currencies(warehouse):
    """Every currency of the simulated pairs, as active reference data."""
    seed_currency_table(warehouse)
    return warehouse


@pytest.fixture
def store(currencies):
    from cistrade_core.fx.store import FxStore

    fx_store = FxStore(currencies)
    fx_store.ensure_schema()
    return fx_store


@pytest.fixture
def fx_env(sim, monkeypatch):
    """Environment of the command line and the DAGs: endpoints, keys, connections, fast retries."""
    for provider, key in KEYS.items():
        monkeypatch.setenv(f"CISTRADE_{provider.upper()}_URL", sim.base_url(provider))
        monkeypatch.setenv(f"CISTRADE_{provider.upper()}_API_KEY", key)
        monkeypatch.setenv(f"AIRFLOW_CONN_{provider.upper()}_DEFAULT", json.dumps({
            "conn_type": "http", "host": "127.0.0.1", "port": sim.port, "schema": provider,
            "password": key,
        }))
    for name, value in FAST_ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("CISTRADE_MARKET_DATA_TO", "market-data@example.com")
    return sim


@pytest.fixture
def mail_settings(smtp_server):
    """Settings whose SMTP is the test server and whose market-data team is known."""
    from dataclasses import replace

    from cistrade_core.config import get_settings

    return replace(get_settings(), market_data_recipients=("market-data@example.com",))


def recorded_alerts(store, run_id: str | None = None) -> list[dict]:
    """The FX alerts recorded in the mail outbox (of one run), oldest first."""
    from cistrade_core.notify import mails

    return mails(store.warehouse, topic="fx", run_id=run_id)


def alert_mails(smtp_server) -> dict[str, list]:
    """Received FX alert mails by kind (``fallback``, ``outage``, ...)."""
    from cistrade_dev.smtp_server import read_outbox

    out: dict[str, list] = {}
    for msg in read_outbox(smtp_server.outbox):
        kind = str(msg.get("X-CisTrade-Alert", "")).removeprefix("fx-")
        out.setdefault(kind, []).append(msg)
    return out
