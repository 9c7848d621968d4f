"""FX answers can't poison or lose a run: redirects never carry the key, every call has a
deadline, numbers are range-checked against storage, one bad pair is rejected with a
reason while the rest are kept, conflicting duplicates are flagged, and every failure
ends in run and health rows and an alert."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import pytest

from cistrade_core.fx.load import run_load
from cistrade_core.fx.providers import (
    ProviderResponseError,
    ProviderUnavailable,
    RetryPolicy,
    make_client,
)
from cistrade_dev.fx_simulator import MarketDataSimulator
from tests.fx_fixtures import FAST_RETRY, KEYS, recorded_alerts


@pytest.fixture
def load(store, mail_settings, fx_settings, endpoints):
    def run(provider="bloomberg", **kwargs):
        return run_load(provider, settings=mail_settings, fx=fx_settings, endpoints=endpoints,
                        store=store, **kwargs)
    return run


@pytest.fixture
def other_host():
    """A second real server on loopback, which would accept the same keys."""
    with MarketDataSimulator(0, keys=KEYS, seed=3) as other:
        yield other


def now_ms() -> int:
    return int(datetime.now(UTC).timestamp() * 1000)


def reuters_quote(ric: str, bid, ask, mid=None, ts=None) -> dict:
    fields = {"BID": bid, "ASK": ask, "TIMESTAMP_MS": now_ms() if ts is None else ts}
    if mid is not None:
        fields["MID_PRICE"] = mid
    return {"Type": "Refresh", "Key": {"Name": ric}, "Fields": fields}


def bloomberg_quote(pair: str, bid, ask, mid, ts: str | None = None) -> dict:
    stamp = ts or datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return {"security": f"{pair} BGN Curncy",
            "fields": {"BID": bid, "ASK": ask, "MID": mid, "LAST_UPDATE_TS": stamp}}


def health_of(store, report) -> dict[str, dict]:
    return {h["provider"]: h for h in store.feed_health(report.run_id)}


def held_of(store, report) -> dict[str, dict]:
    return {r["pair"]: r for r in store.held_rates(report.run_id)}


# -- redirects ------------------------------------------------------------------------------
@pytest.mark.parametrize("provider", ["bloomberg", "reuters"])
def test_a_redirect_to_another_host_is_not_followed_and_gets_no_key(sim, other_host,
                                                                    endpoints, provider):
    path = {"bloomberg": "/v1/fx/snapshot", "reuters": "/data/pricing/snapshots/v1/"}[provider]
    sim.set_fault(provider, "redirect", location=other_host.base_url(provider) + path)
    with make_client(endpoints[provider], FAST_RETRY) as client:
        with pytest.raises(ProviderResponseError, match="HTTP 302 redirect not followed") as exc:
            client.fetch(["EURUSD"])
    assert KEYS[provider] not in str(exc.value)
    assert other_host.requests() == []  # never contacted, so never sent the key
    assert len(sim.requests(provider)) == 1  # not retried either


def test_a_redirected_primary_falls_back_and_the_run_is_recorded(sim, other_host, store, load):
    sim.set_fault("bloomberg", "redirect",
                  location=other_host.base_url("bloomberg") + "/v1/fx/snapshot")
    report = load()
    assert report.status == "degraded" and other_host.requests() == []
    h = health_of(store, report)
    assert h["bloomberg"]["outcome"] == "malformed"
    assert "redirect not followed" in h["bloomberg"]["error"]
    assert {a["topic"] for a in recorded_alerts(store, report.run_id)} == {"fx.fallback"}


# -- deadline -------------------------------------------------------------------------------
def test_a_trickling_server_cannot_hold_a_call_past_its_deadline(sim, endpoints):
    policy = RetryPolicy(retries=1, backoff_initial=0.01, backoff_max=0.02, jitter=0.0,
                         connect_timeout=0.5, read_timeout=0.4, deadline=1.0)
    sim.set_fault("reuters", "trickle", delay=0.05)  # a byte every 50 ms: minutes in all
    started = time.monotonic()
    with make_client(endpoints["reuters"], policy) as client:
        with pytest.raises(ProviderUnavailable, match="no complete answer within the 1s"):
            client.fetch(["EURUSD", "GBPUSD"])
    assert time.monotonic() - started < 4  # two attempts of at most 1 s each, and a backoff
    assert len(sim.requests("reuters")) == 2


def test_an_oversized_answer_is_refused(sim, endpoints):
    sim.set_fault("reuters", "body", body="[" + " " * (9 * 1024 * 1024) + "]")
    with make_client(endpoints["reuters"], FAST_RETRY) as client:
        with pytest.raises(ProviderResponseError, match="more than the 8,388,608 accepted"):
            client.fetch(["EURUSD"])


# -- numbers and records --------------------------------------------------------------------
def test_one_bad_pair_is_rejected_with_its_reason_and_the_rest_are_kept(sim, store, load,
                                                                        smtp_server):
    answer = [
        reuters_quote("EUR=", 1.0841, 1.0843),                                 # good
        reuters_quote("GBP=", "1E+15", "1E+15"),                                # too large
        reuters_quote("JPY=", 0.00000000004, 0.00000000004),                    # rounds to 0
        reuters_quote("CHF=", "1e999999999", 1),                                # huge exponent
        reuters_quote("CAD=", 1.36, 1.37, ts=10**20),                          # year > 9999
        reuters_quote("AUD=", 0.65, 0.66, ts=-5),                              # before 1970
        reuters_quote("NZD=", "abc", 0.6),                                     # not a number
        {"Type": "Refresh", "Key": {"Name": "SEK="}, "Fields": "x"},           # no fields
    ]
    body = json.dumps(answer).replace('"1E+15"', "1E+15").replace('"1e999999999"', "1e999999999")
    sim.set_fault("reuters", "body", body=body)
    pairs = ["EURUSD", "GBPUSD", "USDJPY", "USDCHF", "USDCAD", "AUDUSD", "NZDUSD", "USDSEK"]
    report = load("reuters", pairs=pairs)
    assert report.status == "degraded"
    assert [r.pair for r in report.good] == ["EURUSD"] and report.stored == 1
    held = held_of(store, report)
    assert set(held) == set(pairs) - {"EURUSD"}
    expected = {
        "GBPUSD": ("out_of_range", "does not fit DECIMAL(24,10): expected less than 1E+14"),
        "USDJPY": ("out_of_range", "would be stored as 0.0000000000 in DECIMAL(24,10)"),
        "USDCHF": ("unreadable", "BID: expected a number between 1E-30 and 1E+30"),
        "USDCAD": ("unreadable", "TIMESTAMP_MS: expected whole epoch milliseconds"),
        "AUDUSD": ("unreadable", "TIMESTAMP_MS: expected whole epoch milliseconds"),
        "NZDUSD": ("unreadable", "BID: expected a number, got 'abc'"),
        "USDSEK": ("unreadable", "fields: expected an object"),
    }
    for pair, (check, detail) in expected.items():
        assert held[pair]["check_name"] == check, (pair, held[pair])
        assert detail in held[pair]["detail"], (pair, held[pair]["detail"])
    assert held["GBPUSD"]["bid"] is None  # what storage cannot hold is not written
    [run] = store.load_runs()
    assert (run["status"], run["pairs_stored"]) == ("degraded", 1)
    h = health_of(store, report)["reuters"]
    assert (h["pairs_good"], h["pairs_rejected"], h["pairs_stored"]) == (1, 7, 1)
    [rejected] = [a for a in recorded_alerts(store, report.run_id) if a["topic"] == "fx.rejected"]
    assert "USDCHF from reuters: unreadable: unreadable record: BID" in rejected["body_text"]
    assert [r.pair for r in store.current_rates()] == ["EURUSD"]  # nothing stored as 0


def test_conflicting_duplicates_are_flagged_and_identical_ones_kept_once(sim, store, load):
    ts = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    answer = {"data": [
        bloomberg_quote("EURUSD", 1.0841, 1.0843, 1.0842, ts),
        bloomberg_quote("EURUSD", 1.2841, 1.2843, 1.2842, ts),   # same pair and time, other price
        bloomberg_quote("GBPUSD", 1.2700, 1.2702, 1.2701, ts),
        bloomberg_quote("GBPUSD", 1.2700, 1.2702, 1.2701, ts),   # an identical repeat
    ]}
    sim.set_fault("bloomberg", "body", body=json.dumps(answer))
    sim.set_fault("reuters", "500")
    report = load(pairs=["EURUSD", "GBPUSD"])
    assert [r.pair for r in report.good] == ["GBPUSD"] and report.stored == 1
    held = held_of(store, report)
    assert held["EURUSD"]["check_name"] == "conflicting_duplicate"
    assert "2 different quotes of EURUSD from bloomberg at" in held["EURUSD"]["detail"]
    assert "bid 1.0841" in held["EURUSD"]["detail"] and "bid 1.2841" in held["EURUSD"]["detail"]


@pytest.mark.parametrize(("body", "reason"), [
    ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    ('{"data": ' * 50_000 + "1" + "}" * 50_000, "nested too deeply"),
    ("1" * 100_000, "expected a list of instrument messages"),
    ('{"Type": "Refresh"}', "expected a list of instrument messages"),
    ("\xff\xfe not json", "malformed JSON"),
])
def test_an_unusable_answer_fails_the_call_and_the_run_is_still_recorded(
        sim, store, load, body, reason):
    sim.set_fault("reuters", "body", body=body)
    report = load("reuters", pairs=["EURUSD"])
    assert report.status == "outage"
    [run] = store.load_runs()
    assert run["status"] == "outage" and run["run_id"] == report.run_id
    h = health_of(store, report)["reuters"]
    assert h["outcome"] == "malformed"
    assert reason in h["error"]
    assert len(h["error"]) < 400
    assert {a["topic"] for a in recorded_alerts(store, report.run_id)} == {"fx.outage"}


def test_a_huge_integer_rejects_its_pair_only(sim, store, load):
    good = reuters_quote("EUR=", 1.0841, 1.0843)
    body = json.dumps([good, reuters_quote("GBP=", 0, 1)]).replace(
        '"BID": 0,', '"BID": ' + "7" * 5000 + ",")
    sim.set_fault("reuters", "body", body=body)
    report = load("reuters", pairs=["EURUSD", "GBPUSD"])
    assert [r.pair for r in report.good] == ["EURUSD"]
    assert "BID: expected a number between" in held_of(store, report)["GBPUSD"]["detail"]
    assert len(held_of(store, report)["GBPUSD"]["detail"]) < 300


def test_a_failure_to_store_still_records_the_run_and_alerts(sim, store, load, monkeypatch):
    """The warehouse refusing the run's rates (here: its first write fails) loses nothing."""
    import duckdb

    real = store.save_run
    calls = []

    def refuse_first(*args, **kwargs):
        calls.append(args)
        if len(calls) == 1:
            raise duckdb.ConversionException("Conversion Error: could not convert")
        return real(*args, **kwargs)

    monkeypatch.setattr(store, "save_run", refuse_first)
    report = load("reuters", pairs=["EURUSD"])
    assert report.status == "outage" and report.stored == 0
    [run] = store.load_runs()
    assert run["status"] == "outage" and "storing the run failed" in run["message"]
    assert health_of(store, report)["reuters"]["pairs_stored"] == 0
    assert store.count_rates() == 0
    assert "fx.store_failed" in {a["topic"] for a in recorded_alerts(store, report.run_id)}
