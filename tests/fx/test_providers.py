"""The provider clients against the simulator over HTTP on loopback."""

import logging
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from cistrade_core.fx.pairs import BLOOMBERG_PAIRS, REUTERS_PAIRS
from cistrade_core.fx.providers import (
    BloombergClient,
    ProviderAuthError,
    ProviderConfigError,
    ProviderEndpoint,
    ProviderResponseError,
    ProviderUnavailable,
    RetryPolicy,
    ReutersClient,
    make_client,
    parse_retry_after,
)
from tests.fx_fixtures import FAST_RETRY, KEYS


@pytest.fixture
def bloomberg(endpoints):
    with make_client(endpoints["bloomberg"], FAST_RETRY) as client:
        yield client


@pytest.fixture
def reuters(endpoints):
    with make_client(endpoints["reuters"], FAST_RETRY) as client:
        yield client


def test_bloomberg_snapshot(sim, bloomberg):
    result = bloomberg.fetch()
    assert isinstance(bloomberg, BloombergClient)
    assert len(result.rates) == len(BLOOMBERG_PAIRS) and result.missing == ()
    assert (result.attempts, result.retries) == (1, 0)
    eurusd = next(r for r in result.rates if r.pair == "EURUSD")
    assert eurusd.source == "bloomberg" and eurusd.source_id == "EURUSD BGN Curncy"
    assert isinstance(eurusd.mid, Decimal) and eurusd.bid < eurusd.mid < eurusd.ask
    assert eurusd.mid == (eurusd.bid + eurusd.ask) / 2
    assert abs(datetime.now(UTC) - eurusd.provider_ts) < timedelta(seconds=5)
    assert [r.provider for r in sim.requests()] == ["bloomberg"]


def test_reuters_snapshot_uses_rics_and_epoch_timestamps(sim, reuters):
    result = reuters.fetch()
    assert isinstance(reuters, ReutersClient)
    assert {r.pair for r in result.rates} == set(REUTERS_PAIRS)
    usdjpy = next(r for r in result.rates if r.pair == "USDJPY")
    assert usdjpy.source == "reuters" and usdjpy.source_id == "JPY="
    assert abs(datetime.now(UTC) - usdjpy.provider_ts) < timedelta(seconds=5)


def test_pairs_a_provider_does_not_cover_come_back_missing(reuters):
    result = reuters.fetch(["EURUSD", "EURKWD"])  # Reuters does not quote EURKWD
    assert [r.pair for r in result.rates] == ["EURUSD"]
    assert result.missing == ("EURKWD",)


def test_one_session_keeps_its_connection_alive(sim, bloomberg):
    for _ in range(3):
        bloomberg.fetch(["EURUSD"])
    ports = {r.client_port for r in sim.requests("bloomberg")}
    assert len(ports) == 1  # all three calls over the first connection


@pytest.mark.parametrize(
    ("kind", "error", "requests"),
    [
        ("down", ProviderUnavailable, 4),
        ("slow", ProviderUnavailable, 4),
        ("500", ProviderUnavailable, 4),
        ("401", ProviderAuthError, 1),
        ("malformed", ProviderResponseError, 1),
    ],
)
def test_failures_and_their_retry_counts(sim, bloomberg, kind, error, requests):
    sim.set_fault("bloomberg", kind, delay=1.0)
    with pytest.raises(error) as caught:
        bloomberg.fetch(["EURUSD", "USDJPY"])
    assert len(sim.requests("bloomberg")) == requests
    assert caught.value.attempts == requests and caught.value.retries == requests - 1


def test_a_transient_failure_heals_within_the_retries(sim, bloomberg):
    sim.set_fault("bloomberg", "500", count=2)
    result = bloomberg.fetch(["EURUSD"])
    assert (result.attempts, result.retries) == (3, 2)
    assert [r.status for r in sim.requests("bloomberg")] == [500, 500, 200]


def test_429_waits_at_least_retry_after(sim, reuters):
    sim.set_fault("reuters", "429", count=2, retry_after=0.3)
    started = time.monotonic()
    result = reuters.fetch(["EURUSD"])
    elapsed = time.monotonic() - started
    assert result.retries == 2 and len(sim.requests("reuters")) == 3
    assert elapsed >= 0.6  # two waits of Retry-After, although the backoff is 10 ms
    assert result.waited >= 0.6


def test_a_retry_after_beyond_the_limit_is_not_waited_for(sim, endpoints):
    sim.set_fault("reuters", "429", retry_after=120)
    client = make_client(endpoints["reuters"], RetryPolicy(retries=3, max_retry_after=5))
    started = time.monotonic()
    with pytest.raises(ProviderUnavailable, match="Retry-After 120s"):
        client.fetch(["EURUSD"])
    assert time.monotonic() - started < 1 and len(sim.requests("reuters")) == 1


def test_a_wrong_key_is_refused_and_never_echoed(sim, caplog):
    wrong = "wrong-KEY-0123456789"
    client = make_client(ProviderEndpoint("bloomberg", sim.base_url("bloomberg"), wrong),
                         FAST_RETRY)
    with caplog.at_level(logging.DEBUG), pytest.raises(ProviderAuthError) as caught:
        client.fetch(["EURUSD"])
    assert "401" in str(caught.value) and wrong not in str(caught.value)
    assert wrong not in caplog.text and wrong not in repr(client.endpoint)
    assert [(r.status, r.authorised) for r in sim.requests("bloomberg")] == [(401, False)]


def test_the_key_is_never_in_errors_or_logs(sim, endpoints, caplog):
    for kind in ("down", "slow", "500", "429", "401", "malformed"):
        sim.set_fault("bloomberg", kind, delay=1.0, retry_after=0)
        client = make_client(endpoints["bloomberg"], FAST_RETRY)
        with caplog.at_level(logging.DEBUG), pytest.raises(Exception) as caught:
            client.fetch(["EURUSD"])
        text = f"{caught.value!r} {caught.value} {caught.value.__cause__!r}"
        assert KEYS["bloomberg"] not in text, kind
    assert KEYS["bloomberg"] not in caplog.text


def test_missing_configuration_is_a_clear_error():
    with pytest.raises(ProviderConfigError, match="no API key"):
        BloombergClient(ProviderEndpoint("bloomberg", "http://127.0.0.1:1/bloomberg", ""))
    with pytest.raises(ProviderConfigError, match="no base URL"):
        ReutersClient(ProviderEndpoint("reuters", "", "k"))


def test_parse_retry_after():
    assert parse_retry_after("2") == 2.0
    assert parse_retry_after("0.5") == 0.5
    assert parse_retry_after(None) is None and parse_retry_after("soon") is None
    future = (datetime.now(UTC) + timedelta(seconds=30)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    assert 25 < parse_retry_after(future) <= 30
