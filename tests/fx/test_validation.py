from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from cistrade_core.fx.models import FxRate
from cistrade_core.fx.validation import Check, ValidationRules, validate

NOW = datetime(2025, 3, 14, 10, 15, tzinfo=UTC)
KNOWN = frozenset({"EUR", "USD", "JPY", "GBP"})
RULES = ValidationRules(mid_tolerance_bp=Decimal("1"), max_age=timedelta(minutes=15),
                        future_tolerance=timedelta(seconds=60), max_jump_pct=Decimal("10"))


def rate(pair="EURUSD", bid="1.08490", ask="1.08500", mid=None, ts=NOW, source="bloomberg"):
    bid, ask = Decimal(bid), Decimal(ask)
    mid = Decimal(mid) if mid is not None else (bid + ask) / 2
    return FxRate(pair, bid, ask, mid, ts, source, f"{pair} BGN Curncy")


def check(r, last=None):
    result = validate([r], known_currencies=KNOWN, last_mids=last or {}, now=NOW, rules=RULES)
    if result.good:
        return "good"
    failure = (result.rejected or result.held)[0]
    return failure.check, failure.detail, bool(result.held)


def test_a_sound_rate_is_good():
    assert check(rate()) == "good"


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"bid": "0", "ask": "1.0"}, Check.BID_NOT_POSITIVE),
        ({"bid": "-1.0", "ask": "1.0"}, Check.BID_NOT_POSITIVE),
        ({"bid": "1.08510", "ask": "1.08500"}, Check.CROSSED),
        ({"mid": "1.08600"}, Check.MID_MISMATCH),
        ({"pair": "EURXXX"}, Check.UNKNOWN_CURRENCY),
        ({"pair": "CHFUSD"}, Check.UNKNOWN_CURRENCY),
        ({"ts": NOW + timedelta(minutes=5)}, Check.FUTURE_TIMESTAMP),
        ({"ts": NOW - timedelta(minutes=16)}, Check.STALE_TIMESTAMP),
    ],
)
def test_each_check_rejects(kwargs, expected):
    got, detail, held = check(rate(**kwargs))
    assert got == expected and not held
    assert detail


def test_limits_are_inclusive_where_they_should_be():
    assert check(rate(bid="1.08500", ask="1.08500")) == "good"  # bid == ask is allowed
    assert check(rate(ts=NOW - timedelta(minutes=15))) == "good"
    assert check(rate(ts=NOW + timedelta(seconds=59))) == "good"  # clock skew
    # half a tick off (the provider rounded its mid) is well inside 1 bp
    assert check(rate(mid="1.08495")) == "good"
    assert check(rate(mid="1.08496")) == "good"


def test_a_jump_against_the_last_stored_mid_is_held_not_rejected():
    last = {"EURUSD": Decimal("0.90")}
    got, detail, held = check(rate(), last)
    assert got == Check.JUMP and held
    assert "moved 20.55%" in detail and "limit 10%" in detail
    assert check(rate(), {"EURUSD": Decimal("1.0")}) == "good"  # 8.5 %: under the limit
    assert check(rate(), {"GBPUSD": Decimal("0.5")}) == "good"  # other pair


def test_a_static_failure_wins_over_a_jump():
    got, _, held = check(rate(bid="1.3", ask="1.2"), {"EURUSD": Decimal("1.0")})
    assert got == Check.CROSSED and not held


def test_validate_splits_a_batch():
    rates = [rate(), rate("USDJPY", "151.40", "151.42"), rate("GBPUSD", "1.3", "1.2"),
             rate("EURGBP", "0.85", "0.86")]
    result = validate(rates, known_currencies=KNOWN, last_mids={"EURGBP": Decimal("0.5")},
                      now=NOW, rules=RULES)
    assert [r.pair for r in result.good] == ["EURUSD", "USDJPY"]
    assert [f.rate.pair for f in result.rejected] == ["GBPUSD"]
    assert [f.rate.pair for f in result.held] == ["EURGBP"]
    assert result.held[0].reference_mid == Decimal("0.5")
