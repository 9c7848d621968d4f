"""Checks every rate passes before it is stored as good.

In order, the first failure decides: bid, ask and mid fit what storage holds
(the ``DECIMAL(p, s)`` of ``cis_fx_rate``: below ``10^(p-s)``, and no smaller
than ``10^(4-s)`` so that a rate keeps four significant digits instead of being
stored as 0), bid > 0, bid <= ask, mid = (bid + ask) / 2 within a tolerance, both
currencies in the currency reference data, provider timestamp not in the future
and not older than ``max_age``. Two different quotes of one pair, source and
provider time in one answer are both rejected as conflicting duplicates (an
identical repeat is kept once). A rate passing all of these is then compared with
the last stored mid of its pair: a move of more than ``max_jump_pct`` holds it
back (it is kept aside and alerted, not stored).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from functools import cache

from cistrade_core.clock import as_utc
from cistrade_core.fx.models import FxRate, format_age

BP = Decimal(10_000)


class Check(StrEnum):
    OUT_OF_RANGE = "out_of_range"
    CONFLICTING_DUPLICATE = "conflicting_duplicate"
    UNREADABLE = "unreadable"
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


@dataclass(frozen=True)
class StorageRange:
    """What a ``DECIMAL(precision, scale)`` column holds, as a price."""

    precision: int
    scale: int
    #: Significant digits a stored price keeps at least.
    digits: int = 4

    @property
    def largest(self) -> Decimal:
        """Prices must be below this (``10^(precision - scale)``)."""
        return Decimal(10) ** (self.precision - self.scale)

    @property
    def smallest(self) -> Decimal:
        """Non-zero prices must be at least this (``10^(digits - scale)``)."""
        return Decimal(10) ** (self.digits - self.scale)

    def problem(self, name: str, value: Decimal) -> str | None:
        """Why ``value`` cannot be stored faithfully, or None."""
        column = f"DECIMAL({self.precision},{self.scale})"
        if not value.is_finite():
            return f"{name} {value} is not a finite number"
        if abs(value) >= self.largest:
            return (f"{name} {value:.6E} does not fit {column}: expected less than "
                    f"{self.largest:.0E}")
        if value and abs(value) < self.smallest:
            return (f"{name} {value:.6E} would be stored as "
                    f"{value.quantize(Decimal(1).scaleb(-self.scale)):f} in {column}: expected "
                    f"at least {self.smallest:.0E} (four significant digits)")
        return None

    def fits(self, value: Decimal | None) -> bool:
        return value is None or (value.is_finite() and abs(value) < self.largest)


@cache
def storage_range() -> StorageRange:
    """The range of ``cis_fx_rate.mid`` as the table declares it."""
    import re

    from cistrade_core.warehouse.tables import table_spec

    spec = table_spec("cis_fx_rate")
    declared = dict(zip(spec.columns, spec.types, strict=True))["mid"]
    match = re.fullmatch(r"DECIMAL\((\d+),\s*(\d+)\)", declared.upper())
    if not match:
        raise ValueError(f"cis_fx_rate.mid is {declared}, expected DECIMAL(p,s)")
    return StorageRange(int(match[1]), int(match[2]))


def check_rate(rate: FxRate, *, known_currencies: frozenset[str] | set[str], now: datetime,
               rules: ValidationRules) -> Failure | None:
    """The first static check ``rate`` fails, or ``None``."""
    limits = storage_range()
    for name in ("bid", "ask", "mid"):
        problem = limits.problem(name, getattr(rate, name))
        if problem:
            return Failure(rate, Check.OUT_OF_RANGE, problem)
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


def _without_duplicates(rates: Iterable[FxRate]) -> tuple[list[FxRate], list[Failure]]:
    """``rates`` with an identical repeat kept once, and the quotes of a pair, source and
    provider time that disagree taken out as conflicting duplicates."""
    groups: dict[tuple, list[FxRate]] = {}
    for rate in rates:
        groups.setdefault((rate.pair, rate.source, as_utc(rate.provider_ts)), []).append(rate)
    kept: list[FxRate] = []
    conflicts: list[Failure] = []
    for (pair, source, ts), group in groups.items():
        quotes = list(dict.fromkeys((r.bid, r.ask, r.mid) for r in group))
        if len(quotes) == 1:
            kept.append(group[0])
            continue
        shown = "; ".join(f"bid {b} ask {a} mid {m}" for b, a, m in quotes[:3])
        conflicts.append(Failure(group[0], Check.CONFLICTING_DUPLICATE,
                                 f"{len(quotes)} different quotes of {pair} from {source} at "
                                 f"{ts:%Y-%m-%d %H:%M:%S.%f} UTC: {shown}"))
    return kept, conflicts


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
    rates, conflicts = _without_duplicates(rates)
    result.rejected.extend(conflicts)
    for rate in rates:
        try:
            failure = check_rate(rate, known_currencies=known_currencies, now=now, rules=rules)
        except (ArithmeticError, ValueError, OverflowError) as exc:
            failure = Failure(rate, Check.UNREADABLE, f"cannot be checked: {type(exc).__name__}")
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
