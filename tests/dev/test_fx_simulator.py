"""The market-data simulator itself, over HTTP."""

from decimal import Decimal

import pytest
import requests

from cistrade_core.fx.providers import make_client
from cistrade_dev.fx_simulator import Fault, MarketDataSimulator, parse_fault, set_remote_fault
from tests.fx_fixtures import FAST_RETRY


def test_binds_to_loopback_only():
    with pytest.raises(ValueError, match="loopback"):
        MarketDataSimulator(0, host="0.0.0.0")


def test_parse_fault_specs():
    assert parse_fault("bloomberg=down") == ("bloomberg", Fault("down"))
    provider, fault = parse_fault("reuters=429:2")
    assert (provider, fault.kind, fault.count) == ("reuters", "429", 2)
    provider, fault = parse_fault("bloomberg=jump@EURUSD,usd/jpy")
    assert fault.pairs == ("EURUSD", "USDJPY")
    for bad in ("nobody=down", "bloomberg=melted", "bloomberg"):
        with pytest.raises(ValueError):
            parse_fault(bad)


def test_admin_api_sets_faults_and_shows_the_request_log(sim, endpoints):
    set_remote_fault(sim.url, "reuters", Fault("500", count=1))
    assert sim.faults()["reuters"].kind == "500"
    client = make_client(endpoints["reuters"], FAST_RETRY)
    assert client.fetch(["EURUSD"]).retries == 1
    log = requests.get(f"{sim.url}/_sim/requests", params={"provider": "reuters"}, timeout=5).json()
    assert [(r["status"], r["fault"]) for r in log] == [(500, "500"), (200, None)]
    assert "reuters" not in sim.faults()  # a counted fault clears itself
    set_remote_fault(sim.url, "bloomberg", Fault("down"))
    set_remote_fault(sim.url, "bloomberg", None)
    assert sim.faults() == {}
    assert requests.delete(f"{sim.url}/_sim/requests", timeout=5).ok
    assert sim.requests() == []
    bad = requests.post(f"{sim.url}/_sim/faults", json={"provider": "x", "kind": "down"},
                        timeout=5)
    assert bad.status_code == 400
    assert requests.get(f"{sim.url}/nowhere", timeout=5).status_code == 404


def test_prices_walk_and_crosses_stay_consistent(sim, endpoints):
    client = make_client(endpoints["bloomberg"], FAST_RETRY)
    first = {r.pair: r for r in client.fetch().rates}
    second = {r.pair: r for r in client.fetch().rates}
    moved = sum(first[p].mid != second[p].mid for p in first)
    assert moved > len(first) // 2
    cross = second["EURJPY"].mid
    implied = second["EURUSD"].mid * second["USDJPY"].mid
    assert abs(cross - implied) / implied < Decimal("0.0005")
    assert all(abs(second[p].mid - first[p].mid) / first[p].mid < Decimal("0.01") for p in first)


@pytest.mark.parametrize("kind", ["crossed", "stale", "jump", "partial"])
def test_data_faults_change_the_quotes(sim, endpoints, kind):
    client = make_client(endpoints["bloomberg"], FAST_RETRY)
    before = {r.pair: r for r in client.fetch().rates}
    sim.set_fault("bloomberg", kind, pairs=["EURUSD", "USDJPY"])
    after = {r.pair: r for r in client.fetch().rates}
    for pair in ("EURUSD", "USDJPY"):
        if kind == "crossed":
            assert after[pair].bid > after[pair].ask
        elif kind == "stale":
            assert (before[pair].provider_ts - after[pair].provider_ts).total_seconds() > 7000
        elif kind == "jump":
            assert after[pair].mid / before[pair].mid > Decimal("1.19")
        else:
            assert pair not in after
    assert after["GBPUSD"].bid < after["GBPUSD"].ask


def test_stop_returns_quickly_with_a_slow_request_pending(endpoints):
    import threading
    import time

    with MarketDataSimulator(0) as sim:
        sim.set_fault("bloomberg", "slow", delay=30)
        url = sim.base_url("bloomberg") + "/v1/fx/snapshot"
        t = threading.Thread(target=lambda: _ignore(requests.post, url, json={}, timeout=2))
        t.start()
        time.sleep(0.2)
        started = time.monotonic()
    assert time.monotonic() - started < 3
    t.join(5)


def _ignore(fn, *args, **kwargs):
    try:
        fn(*args, **kwargs)
    except requests.RequestException:
        pass
