"""Convert amounts between currencies at stored FX mid rates, in :class:`~decimal.Decimal`.

The rate from A to B is, in this order: the direct pair ``AB``; the inverse of
``BA``; or through the US dollar, each leg direct or inverse (``A -> USD -> B``).
A missing pair raises :class:`MissingRateError`, a rate older than the staleness
limit :class:`StaleRateError`; both say which pair is at fault.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from cistrade_core.clock import as_utc, utcnow
from cistrade_core.errors import CoreError
from cistrade_core.fx.models import StoredRate, format_age

USD = "USD"
_CCY = re.compile(r"^[A-Z]{3}$")


class FxConversionError(CoreError, LookupError):
    """No usable rate for a conversion."""

    outcome = "INVALID"


class MissingRateError(FxConversionError):
    """No stored rate for the pair, its inverse, or a route through USD."""


class StaleRateError(FxConversionError):
    """The rate exists but is older than the staleness limit."""

    def __init__(self, message: str, rate: StoredRate) -> None:
        super().__init__(message)
        self.rate = rate


@dataclass(frozen=True)
class Leg:
    """One rate used: ``pair``'s mid, applied inverted when converting quote to base."""

    rate: StoredRate
    inverted: bool

    @property
    def describe(self) -> str:
        r = self.rate
        how = f"1 / {r.pair}" if self.inverted else r.pair
        return (f"{how} mid {r.mid.normalize()} ({r.source}, {r.provider_ts:%Y-%m-%d %H:%M:%S} "
                f"UTC, {format_age(r.age)} old)")


@dataclass(frozen=True)
class Conversion:
    amount: Decimal
    from_ccy: str
    to_ccy: str
    result: Decimal
    rate: Decimal
    legs: tuple[Leg, ...]
    as_of: datetime

    @property
    def route(self) -> str:
        if not self.legs:
            return "same currency"
        if len(self.legs) == 1:
            return "inverse pair" if self.legs[0].inverted else "direct pair"
        return "triangulated through USD"


def _decimal(amount: Decimal | int | str | float) -> Decimal:
    try:
        value = Decimal(repr(amount)) if isinstance(amount, float) else Decimal(amount)
    except (InvalidOperation, ValueError, TypeError):
        raise ValueError(f"not an amount: {amount!r}") from None
    if not value.is_finite():
        raise ValueError(f"not an amount: {amount!r}")
    return value


def _currency(code: str) -> str:
    code = (code or "").strip().upper()
    if not _CCY.match(code):
        raise ValueError(f"not a currency code: {code!r} (expected three letters, e.g. EUR)")
    return code


class Converter:
    """Conversions with one set of rates (current, or as of a time)."""

    def __init__(self, rates: Mapping[str, StoredRate], *, as_of: datetime,
                 stale_after: timedelta | None) -> None:
        self.rates = rates
        self.as_of = as_of
        self.stale_after = stale_after

    @classmethod
    def from_store(cls, store, at: datetime | None = None, *,
                   stale_after: timedelta | None = timedelta(minutes=30)) -> Converter:
        """Rates of ``store`` (a :class:`~cistrade_core.fx.store.FxStore`): the current ones,
        or each pair's newest at or before ``at``; age is measured to ``at`` (default now)."""
        if at is None:
            now = utcnow()
            rates = {r.pair: r for r in store.current_rates(now=now, stale_after=stale_after)}
            return cls(rates, as_of=now, stale_after=stale_after)
        at = as_utc(at)
        return cls(store.rates_as_of(at, stale_after=stale_after), as_of=at,
                   stale_after=stale_after)

    def _leg(self, base: str, quote: str) -> Leg | None:
        direct = self.rates.get(base + quote)
        if direct is not None:
            return Leg(direct, inverted=False)
        inverse = self.rates.get(quote + base)
        if inverse is not None:
            return Leg(inverse, inverted=True)
        return None

    def legs(self, from_ccy: str, to_ccy: str) -> tuple[Leg, ...]:
        """The rates a conversion from ``from_ccy`` to ``to_ccy`` uses."""
        from_ccy, to_ccy = _currency(from_ccy), _currency(to_ccy)
        if from_ccy == to_ccy:
            return ()
        leg = self._leg(from_ccy, to_ccy)
        if leg is not None:
            legs: tuple[Leg, ...] = (leg,)
        else:
            first = self._leg(from_ccy, USD) if USD not in (from_ccy, to_ccy) else None
            second = self._leg(USD, to_ccy) if first is not None else None
            if first is None or second is None:
                when = f" as of {self.as_of:%Y-%m-%d %H:%M:%S} UTC"
                if USD in (from_ccy, to_ccy):
                    tried = f"neither {from_ccy}{to_ccy} nor {to_ccy}{from_ccy} is stored"
                else:
                    tried = (f"neither {from_ccy}{to_ccy}, {to_ccy}{from_ccy} nor a route "
                             f"through USD ({from_ccy}{USD} or {USD}{from_ccy}, and {USD}{to_ccy} "
                             f"or {to_ccy}{USD}) is stored")
                raise MissingRateError(f"no FX rate from {from_ccy} to {to_ccy}{when}: {tried}")
            legs = (first, second)
        for leg in legs:
            if not leg.rate.mid > 0:  # a rate stored before range checks existed
                raise MissingRateError(f"the stored {leg.rate.pair} rate has mid "
                                       f"{leg.rate.mid}: expected a positive rate")
            if leg.rate.stale:
                r = leg.rate
                raise StaleRateError(
                    f"the {r.pair} rate is stale: {format_age(r.age)} old (limit "
                    f"{format_age(self.stale_after)}), from {r.source} at "
                    f"{r.provider_ts:%Y-%m-%d %H:%M:%S} UTC", r,
                )
        return legs

    def rate(self, from_ccy: str, to_ccy: str) -> Decimal:
        """Units of ``to_ccy`` for one unit of ``from_ccy``."""
        return self.convert(1, from_ccy, to_ccy).rate

    def convert(self, amount: Decimal | int | str | float, from_ccy: str, to_ccy: str
                ) -> Conversion:
        value = _decimal(amount)
        legs = self.legs(from_ccy, to_ccy)
        numerator, denominator = Decimal(1), Decimal(1)
        for leg in legs:
            if leg.inverted:
                denominator *= leg.rate.mid
            else:
                numerator *= leg.rate.mid
        return Conversion(value, _currency(from_ccy), _currency(to_ccy),
                          value * numerator / denominator, numerator / denominator, legs,
                          self.as_of)


def convert(amount: Decimal | int | str | float, from_ccy: str, to_ccy: str,
            at: datetime | None = None, *, store=None,
            stale_after: timedelta | None = None) -> Decimal:
    """``amount`` of ``from_ccy`` in ``to_ccy`` at the mid rates current at ``at`` (default now).

    ``store`` defaults to the warehouse of the current settings and ``stale_after`` to
    ``CISTRADE_FX_STALE_AFTER``.
    """
    if store is None:
        from cistrade_core.fx.store import FxStore
        from cistrade_core.warehouse import get_warehouse

        store = FxStore(get_warehouse())
    if stale_after is None:
        from cistrade_core.fx.settings import FxSettings

        stale_after = FxSettings.from_env().stale_after
    converter = Converter.from_store(store, at, stale_after=stale_after)
    return converter.convert(amount, from_ccy, to_ccy).result
