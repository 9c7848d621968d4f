import pycountry
import pytest

from cistrade_core.fx.pairs import (
    BLOOMBERG_PAIRS,
    CURRENCIES,
    REUTERS_PAIRS,
    bloomberg_ticker,
    decimals,
    normalise_pair,
    reference_mid,
    reuters_ric,
    split_pair,
    usd_pair,
)


def test_coverage_matches_the_spec():
    assert len(BLOOMBERG_PAIRS) >= 150
    assert len(REUTERS_PAIRS) >= 120
    assert set(REUTERS_PAIRS) <= set(BLOOMBERG_PAIRS)
    assert len(set(BLOOMBERG_PAIRS)) == len(BLOOMBERG_PAIRS)


def test_every_currency_is_a_real_iso_4217_code():
    for code in CURRENCIES:
        assert pycountry.currencies.get(alpha_3=code) is not None, code


def test_levels_are_plausible():
    assert 1.0 < reference_mid("EURUSD") < 1.3
    assert 120 < reference_mid("USDJPY") < 170
    assert 0.8 < reference_mid("EURGBP") < 0.9
    assert 10_000 < reference_mid("USDIDR") < 20_000
    assert all(0.1 < reference_mid(p) < 50_000 for p in BLOOMBERG_PAIRS)


def test_quoting_conventions():
    assert usd_pair("EUR") == "EURUSD" and usd_pair("JPY") == "USDJPY"
    assert decimals(1.08) == 5 and decimals(151.4) == 3 and decimals(15812) == 1
    assert bloomberg_ticker("eur/usd") == "EURUSD BGN Curncy"
    assert reuters_ric("EURUSD") == "EUR=" and reuters_ric("USDJPY") == "JPY="
    assert reuters_ric("EURJPY") == "EURJPY="


@pytest.mark.parametrize("text", ["EURUSD", "EUR/USD", "eur-usd", " EUR USD "])
def test_pair_spellings(text):
    assert normalise_pair(text) == "EURUSD"
    assert split_pair(text) == ("EUR", "USD")


@pytest.mark.parametrize("text", ["", "EURUS", "EUR/USDX", "12345"])
def test_bad_pairs_are_refused(text):
    with pytest.raises(ValueError, match="not a currency pair"):
        split_pair(text)
