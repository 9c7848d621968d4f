"""FX rates: current, a pair's history, and conversion with the library's rules.

Amounts and rates are Decimal strings, never binary floats. Conversion is the
library's ``Converter``: the direct pair, its inverse, or through USD, refused
when a rate used is older than ``CISTRADE_FX_STALE_AFTER``.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel

from cistrade_core.api.auth import caller, core_of
from cistrade_core.api.problems import ApiProblem, FieldProblem
from cistrade_core.api.schemas import IsoDateTime, utc

router = APIRouter(tags=["fx"])
Currency = Annotated[str, Query(pattern=r"^[A-Za-z]{3}$")]
AMOUNT = r"^-?\d{1,18}(\.\d{1,12})?$"


class RateOut(BaseModel):
    pair: str
    bid: str
    ask: str
    mid: str
    provider_ts: datetime
    source: str
    age_seconds: int
    stale: bool

    @classmethod
    def of(cls, r) -> RateOut:
        return cls(pair=r.pair, bid=str(r.bid), ask=str(r.ask), mid=str(r.mid),
                   provider_ts=utc(r.provider_ts), source=r.source,
                   age_seconds=int(r.age.total_seconds()), stale=bool(r.stale))


class LegOut(BaseModel):
    pair: str
    inverted: bool
    mid: str
    source: str
    provider_ts: datetime


class ConversionOut(BaseModel):
    amount: str
    from_currency: str
    to_currency: str
    result: str
    rate: str
    route: str
    as_of: datetime
    legs: list[LegOut]


def _fx(request: Request):
    from cistrade_core.fx.settings import FxSettings
    from cistrade_core.fx.store import FxStore

    return FxStore(core_of(request).warehouse), FxSettings.from_env().stale_after


@router.get("/fx/rates", operation_id="fx_current", response_model=list[RateOut],
            summary="The current rate of every pair (or of the pairs named)")
def current(*, request: Request, session: caller("fx_current"),
            pairs: Annotated[str | None, Query(max_length=400,
                                               pattern=r"^[A-Za-z/,]*$")] = None
            ) -> list[RateOut]:
    store, stale_after = _fx(request)
    wanted = [p for p in (pairs or "").split(",") if p.strip()] if pairs else None
    try:
        rates = store.current_rates(wanted, stale_after=stale_after)
    except ValueError as exc:
        raise ApiProblem(422, str(exc), errors=[FieldProblem(field="query.pairs",
                                                             message=str(exc))]) from None
    return [RateOut.of(r) for r in rates]


@router.get("/fx/rates/{pair}/history", operation_id="fx_history",
            response_model=list[RateOut], summary="A pair's stored rates, newest first")
def history(*, pair: Annotated[str, Path(pattern=r"^[A-Za-z]{6}$")], request: Request,
            session: caller("fx_history"),
            limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[RateOut]:
    store, _ = _fx(request)
    try:
        rates = store.history(pair, limit)
    except ValueError as exc:
        raise ApiProblem(422, str(exc), errors=[FieldProblem(field="path.pair",
                                                             message=str(exc))]) from None
    return [RateOut.of(r) for r in rates]


@router.get("/fx/convert", operation_id="fx_convert", response_model=ConversionOut,
            summary="Convert an amount at mid rates (direct, inverse or through USD)")
def convert(*, request: Request, session: caller("fx_convert"),
            amount: Annotated[str, Query(pattern=AMOUNT, description="a decimal string")],
            from_: Annotated[str, Query(alias="from", pattern=r"^[A-Za-z]{3}$")],
            to: Currency,
            at: Annotated[IsoDateTime | None, Query(description="rates as of this time")] = None
            ) -> ConversionOut:
    from cistrade_core.fx.convert import Converter, FxConversionError

    store, stale_after = _fx(request)
    converter = Converter.from_store(store, at, stale_after=stale_after)
    try:
        c = converter.convert(Decimal(amount), from_.upper(), to.upper())
    except FxConversionError as exc:
        raise ApiProblem(422, str(exc), errors=[FieldProblem(field="query.from",
                                                             message=str(exc))]) from None
    return ConversionOut(
        amount=str(c.amount), from_currency=c.from_ccy, to_currency=c.to_ccy,
        result=str(c.result), rate=str(c.rate), route=c.route, as_of=utc(c.as_of),
        legs=[LegOut(pair=leg.rate.pair, inverted=leg.inverted, mid=str(leg.rate.mid),
                     source=leg.rate.source, provider_ts=utc(leg.rate.provider_ts))
              for leg in c.legs])
