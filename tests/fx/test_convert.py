"""Conversions at stored mid rates: direct, inverse, through USD, and the errors."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from cistrade_core.clock import utcnow
from cistrade_core.fx.convert import (
    Converter,
    MissingRateError,
    StaleRateError,
    convert,
)
from cistrade_core.fx.health import LoadRun
from cistrade_core.fx.models import FxRate


def put(store, mids: dict[str, str], ts: datetime, run_id: str) -> None:
    rates = [FxRate(p, Decimal(m), Decimal(m), Decimal(m), ts, "bloomberg", p)
             for p, m in mids.items()]
    run = LoadRun(run_id, "bloomberg", ts, ts, "ok", len(rates), len(rates), 0, 0, 0, "")
    store.save_run(run, rates, [], [])


@pytest.fixture
def rates(store):
    now = utcnow()
    put(store, {"EURUSD": "1.08", "USDJPY": "150", "GBPUSD": "1.25", "USDCHF": "0.9",
                "EURGBP": "0.864"}, now - timedelta(minutes=5), "fresh")
    put(store, {"USDTRY": "32"}, now - timedelta(hours=3), "old")
    return store


def test_direct_pair(rates):
    assert convert(Decimal("1000"), "EUR", "USD", store=rates) == Decimal("1080.00")


def test_inverse_pair_is_divided_not_rounded_through_a_reciprocal(rates):
    assert convert(Decimal("1080"), "USD", "EUR", store=rates) == Decimal("1000")
    assert convert(Decimal("150"), "JPY", "USD", store=rates) == Decimal("1")


def test_triangulation_through_usd(rates):
    conversion = Converter.from_store(rates).convert("1000", "EUR", "JPY")
    assert conversion.result == Decimal("162000.00")
    assert conversion.route == "triangulated through USD"
    assert [(leg.rate.pair, leg.inverted) for leg in conversion.legs] == [("EURUSD", False),
                                                                           ("USDJPY", False)]
    # CHF -> GBP: both legs inverse
    chf_gbp = Converter.from_store(rates).convert(900, "CHF", "GBP")
    assert chf_gbp.result == Decimal("800")
    assert [leg.inverted for leg in chf_gbp.legs] == [True, True]


def test_a_direct_cross_is_preferred_to_triangulation(rates):
    conversion = Converter.from_store(rates).convert(1000, "EUR", "GBP")
    assert conversion.route == "direct pair" and conversion.result == Decimal("864.000")


def test_same_currency_and_types(rates):
    assert convert(5, "usd", "USD", store=rates) == Decimal(5)
    assert isinstance(convert(1.5, "EUR", "USD", store=rates), Decimal)
    assert convert(1.5, "EUR", "USD", store=rates) == Decimal("1.620")


def test_a_missing_rate_is_a_clear_error(rates):
    with pytest.raises(MissingRateError, match="no FX rate from EUR to BRL") as caught:
        convert(1, "EUR", "BRL", store=rates)
    assert "USDBRL" in str(caught.value)
    with pytest.raises(MissingRateError, match="neither USDZAR nor ZARUSD"):
        convert(1, "USD", "ZAR", store=rates)


def test_a_stale_rate_is_a_clear_error(rates):
    with pytest.raises(StaleRateError, match="USDTRY rate is stale: 3h00m old") as caught:
        convert(100, "USD", "TRY", store=rates, stale_after=timedelta(minutes=30))
    assert caught.value.rate.pair == "USDTRY"
    with pytest.raises(StaleRateError):  # one stale leg spoils a triangulation too
        convert(100, "EUR", "TRY", store=rates, stale_after=timedelta(minutes=30))
    assert convert(100, "USD", "TRY", store=rates, stale_after=timedelta(hours=4)) == 3200


def test_conversion_at_a_past_time(store):
    t0 = datetime(2025, 3, 14, 10, 0, tzinfo=UTC)
    put(store, {"EURUSD": "1.05"}, t0, "a")
    put(store, {"EURUSD": "1.10"}, t0 + timedelta(hours=1), "b")
    at = t0 + timedelta(minutes=20)
    assert convert(100, "EUR", "USD", at, store=store) == Decimal("105.00")
    assert convert(100, "EUR", "USD", t0 + timedelta(minutes=70), store=store) == Decimal("110.00")
    with pytest.raises(StaleRateError):
        convert(100, "EUR", "USD", t0 + timedelta(hours=5), store=store,
                stale_after=timedelta(minutes=30))
    with pytest.raises(MissingRateError, match="as of 2025-03-14 09:00:00 UTC"):
        convert(100, "EUR", "USD", t0 - timedelta(hours=1), store=store)


@pytest.mark.parametrize(("amount", "ccy"), [("abc", "EUR"), ("NaN", "EUR"), ("1", "EURO"),
                                             ("1", "")])
def test_bad_input(rates, amount, ccy):
    with pytest.raises(ValueError):
        convert(amount, ccy, "USD", store=rates)


def test_default_store_is_the_settings_warehouse(rates, monkeypatch):
    # convert() without a store opens the warehouse of CISTRADE_HOME, like the CLI
    monkeypatch.setenv("CISTRADE_FX_STALE_AFTER", "3600")
    assert convert(10, "GBP", "USD") == Decimal("12.50")
