"""Reference data (current, or ``?as_of=`` a business date) and business-day functions."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from cistrade_core import refdata
from cistrade_core.api.auth import caller, core_of
from cistrade_core.api.problems import ApiProblem, FieldProblem
from cistrade_core.api.routes.common import decode_cursor, encode_cursor
from cistrade_core.api.schemas import IsoDate
from cistrade_core.calendar import BusinessCalendar, calendar_codes, load_calendar

router = APIRouter(tags=["reference data"])


class Dataset(StrEnum):
    currencies = "currencies"
    countries = "countries"
    counterparties = "counterparties"
    calendars = "calendars"


FEED_OF = {Dataset.currencies: "currency", Dataset.countries: "country",
           Dataset.counterparties: "counterparty", Dataset.calendars: "calendar"}
AsOf = Annotated[IsoDate | None, Query(description="the business date to read as of (default: "
                                                "the latest loaded day)")]
Calendars = Annotated[str, Query(min_length=2, max_length=200, pattern=r"^[A-Za-z0-9, ]+$",
                                 description="comma-separated calendar codes, e.g. GB,USNY")]


class ReferencePage(BaseModel):
    dataset: str
    business_date: date = Field(description="the loaded day the rows are from")
    items: list[dict[str, Any]]
    next_cursor: str | None = None


class LoadedDates(BaseModel):
    dataset: str
    business_dates: list[date]


class BusinessDayCheck(BaseModel):
    date: date
    calendars: list[str]
    business_day: bool
    holidays: list[str]


class BusinessDayResult(BaseModel):
    date: date
    calendars: list[str]
    days: int | None = None
    result: date


@router.get("/reference/{dataset}", operation_id="refdata_list", response_model=ReferencePage,
            summary="Reference rows as loaded on a business date (default: current)")
def reference(*, dataset: Dataset, request: Request, session: caller("refdata_list"),
              as_of: AsOf = None,
              code: Annotated[str | None, Query(max_length=20, description=(
                  "currency/country code, calendar code, or a counterparty's country"))] = None,
              limit: Annotated[int, Query(ge=1, le=1000)] = 100,
              cursor: Annotated[str | None, Query(max_length=200)] = None) -> ReferencePage:
    feed = refdata.FEEDS[FEED_OF[dataset]]
    position = decode_cursor(cursor, tuple(f"k{i}" for i in range(len(feed.key))))
    after = None
    if position is not None:
        after = [position[f"k{i}"] for i in range(len(feed.key))]
        if dataset is Dataset.calendars:
            try:
                after[1] = date.fromisoformat(after[1])
            except ValueError:
                raise ApiProblem(400, "cursor is not one this API returned", errors=[
                    FieldProblem(field="query.cursor", message="expected next_cursor")]) from None
    day, rows = refdata.rows(core_of(request).warehouse, feed, as_of,
                             code=code.upper() if code else None, after=after, limit=limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_cursor({f"k{i}": str(rows[-1][k]) for i, k in enumerate(feed.key)}) \
        if more else None
    return ReferencePage(dataset=str(dataset), business_date=day, items=rows,
                         next_cursor=next_cursor)


@router.get("/reference/{dataset}/dates", operation_id="refdata_dates",
            response_model=LoadedDates, summary="The business dates loaded, newest first")
def dates(*, dataset: Dataset, request: Request, session: caller("refdata_dates")
          ) -> LoadedDates:
    feed = refdata.FEEDS[FEED_OF[dataset]]
    return LoadedDates(dataset=str(dataset),
                       business_dates=refdata.loaded_dates(core_of(request).warehouse, feed))


def _calendar(request: Request, calendars: str, as_of: date | None
              ) -> tuple[list[str], BusinessCalendar]:
    codes = calendar_codes(calendars)
    if not codes:
        raise ApiProblem(422, refdata.NO_CALENDAR, errors=[
            FieldProblem(field="query.calendars", message="one or more calendar codes")])
    return codes, load_calendar(core_of(request).warehouse, codes, as_of)


def _computed(fn, *args) -> date:
    try:
        return fn(*args)
    except (ValueError, OverflowError) as exc:
        raise ApiProblem(422, f"no such business day: {exc}", errors=[
            FieldProblem(field="query.days", message="a result between years 1 and 9999")]
        ) from None


@router.get("/business-days/check", operation_id="business_day_check",
            response_model=BusinessDayCheck, summary="Is a date a business day in every calendar")
def check(*, request: Request, session: caller("business_day_check"),
          date_: Annotated[IsoDate, Query(alias="date")], calendars: Calendars,
          as_of: AsOf = None) -> BusinessDayCheck:
    codes, cal = _calendar(request, calendars, as_of)
    return BusinessDayCheck(date=date_, calendars=codes, business_day=cal.is_business_day(date_),
                            holidays=list(cal.holiday_names(date_)))


@router.get("/business-days/add", operation_id="business_day_add",
            response_model=BusinessDayResult,
            summary="Add (or, when negative, subtract) N business days")
def add(*, request: Request, session: caller("business_day_add"),
        date_: Annotated[IsoDate, Query(alias="date")], calendars: Calendars,
        days: Annotated[int, Query(ge=-3650, le=3650)], as_of: AsOf = None
        ) -> BusinessDayResult:
    codes, cal = _calendar(request, calendars, as_of)
    return BusinessDayResult(date=date_, calendars=codes, days=days,
                             result=_computed(cal.add, date_, days))


@router.get("/business-days/next", operation_id="business_day_next",
            response_model=BusinessDayResult, summary="The next business day after a date")
def next_day(*, request: Request, session: caller("business_day_next"),
             date_: Annotated[IsoDate, Query(alias="date")], calendars: Calendars,
             as_of: AsOf = None) -> BusinessDayResult:
    codes, cal = _calendar(request, calendars, as_of)
    return BusinessDayResult(date=date_, calendars=codes, result=_computed(cal.next, date_))


