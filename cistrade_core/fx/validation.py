"""Checks every rate passes before it is stored as good.

In order, the first failure decides: bid > 0, bid <= ask, mid = (bid + ask) / 2
within a tolerance, both currencies in the currency reference data, provider
timestamp not in the future and not older than ``max_age``. A rate passing all
of these is then compared with the last stored mid of its pair: a move of more
than ``max_jump_pct`` holds it back (it is kept aside and alerted, not stored).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from cistrade_core.fx.models import FxRate, as_utc, format_age

BP = Decimal(10_000)


class Check(StrEnum):
    BID_NOT_POSITIVE = "bid_not_positive"
    CROSSED = "crossed"
    MID_MISMATCH = "mid_mismatch"
    UNKNOWN_CURRENCY = "unknown_currency"
    FUTURE_TIMESTAMP = "future_timestamp"
    STALE_TIMESTAMP = "stale_timestamp"
    JUMP = "jump"


@dataclass(frozen=True)
class ValidationRules:
    """Tolerances of the checks (configurable through :mod:`cistrade_core.fx.settings`)."""

    mid_tolerance_bp: Decimal = Decimal("1")
    max_age: timedelta = timedelta(minutes=15)
    future_tolerance: timedelta = timedelta(seconds=60)
    max_jump_pct: Decimal = Decimal("10")


@dataclass(frozen=True)
class Failure:
    """A rate that failed ``check``; ``reference_mid`` is the stored mid a jump is measured to."""

    rate: FxRate
    check: Check
    detail: str
    reference_mid: Decimal | None = None


@dataclass
class ValidationResult:
    good: list[FxRate] = field(default_factory=list)
    rejected: list[Failure] = field(default_factory=list)
    held: list[Failure] = field(default_factory=list)

    def extend(self, other: ValidationResult) -> None:
        self.good.extend(other.good)
        self.rejected.extend(other.rejected)
        self.held.extend(other.held)


def check_rate(rate: FxRate, *, known_currencies: frozenset[str] | set[str], now: datetime,
               rules: ValidationRules) -> Failure | None:
    """The first static check ``rate`` fails, or ``None``."""
    if rate.bid <= 0:
        return Failure(rate, Check.BID_NOT_POSITIVE, f"bid {rate.bid} is not positive")
    if rate.bid > rate.ask:
        return Failure(rate, Check.CROSSED, f"bid {rate.bid} above ask {rate.ask}")
    expected = (rate.bid + rate.ask) / 2
    off_bp = abs(rate.mid - expected) / expected * BP
    if off_bp > rules.mid_tolerance_bp:
        return Failure(rate, Check.MID_MISMATCH,
                       f"mid {rate.mid} is {off_bp:.2f} bp from (bid+ask)/2 = {expected}")
    unknown = [c for c in (rate.base, rate.quote) if c not in known_currencies]
    if unknown:
        return Failure(rate, Check.UNKNOWN_CURRENCY,
                       f"{', '.join(unknown)} not in the currency reference data")
    age = now - as_utc(rate.provider_ts)
    if age < -rules.future_tolerance:
        return Failure(rate, Check.FUTURE_TIMESTAMP,
                       f"provider timestamp {rate.provider_ts:%Y-%m-%d %H:%M:%S} UTC is "
                       f"{format_age(-age)} in the future")
    if age > rules.max_age:
        return Failure(rate, Check.STALE_TIMESTAMP,
                       f"provider timestamp is {format_age(age)} old "
                       f"(limit {format_age(rules.max_age)})")
    return None


def jump_pct(mid: Decimal, reference: Decimal) -> Decimal:
    """The move from ``reference`` to ``mid``, in percent."""
    return abs(mid - reference) / reference * 100


def validate(rates: Iterable[FxRate], *, known_currencies: frozenset[str] | set[str],
             last_mids: Mapping[str, Decimal], now: datetime,
             rules: ValidationRules | None = None) -> ValidationResult:
    """Split ``rates`` into good, rejected (failed a check) and held (jumped)."""
    rules = rules or ValidationRules()
    now = as_utc(now)
    result = ValidationResult()
    for rate in rates:
        failure = check_rate(rate, known_currencies=known_currencies, now=now, rules=rules)
        if failure is not None:
            result.rejected.append(failure)
            continue
        reference = last_mids.get(rate.pair)
        if reference is not None and reference > 0:
            moved = jump_pct(rate.mid, reference)
            if moved > rules.max_jump_pct:
                result.held.append(Failure(
                    rate, Check.JUMP,
                    f"mid {rate.mid} moved {moved:.2f}% from the last stored {reference} "
                    f"(limit {rules.max_jump_pct}%)",
                    reference,
                ))
                continue
        result.good.append(rate)
    return result
