"""Reference data current and as of a business date, in small portable queries.

Every loaded day of a feed is kept (``business_date``), and a rejected or held day
leaves the previous day current; so what the table said on day ``D`` is the
latest loaded day on or before ``D``. Values are bound as parameters; table and
column names come from the feed definitions only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from cistrade_core.errors import NotFound, ValidationError
from cistrade_core.feeds import FEEDS as FEED_DEFINITIONS
from cistrade_core.warehouse import SCHEMA


class Queryable(Protocol):
    def query(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]: ...


@dataclass(frozen=True)
class ReferenceFeed:
    name: str                  # the feed (currency, country, ...)
    key: tuple[str, ...]       # sort and page order
    filter_column: str | None  # the one column ``code=`` filters on

    @property
    def table(self) -> str:
        return f"{SCHEMA}.gmp_cis_sta_dly_{self.name}"

    @property
    def columns(self) -> tuple[str, ...]:
        return (*FEED_DEFINITIONS[self.name].column_names, "business_date")


FEEDS: dict[str, ReferenceFeed] = {
    "currency": ReferenceFeed("currency", ("currency_code",), "currency_code"),
    "country": ReferenceFeed("country", ("country_code",), "country_code"),
    "counterparty": ReferenceFeed("counterparty", ("counterparty_id",), "country_code"),
    "calendar": ReferenceFeed("calendar", ("calendar_code", "holiday_date"), "calendar_code"),
}


#: The refusal of a holiday or business-day question that names no calendar.
NO_CALENDAR = "name at least one calendar, e.g. GB or USNY"

def loaded_dates(q: Queryable, feed: ReferenceFeed, limit: int = 1000) -> list[date]:
    """The business dates loaded for ``feed``, newest first."""
    rows = q.query(f"SELECT DISTINCT business_date FROM {feed.table} "
                   "ORDER BY business_date DESC LIMIT ?", [limit])
    return [r["business_date"] for r in rows]


def snapshot_date(q: Queryable, feed: ReferenceFeed, as_of: date | None) -> date:
    """The loaded day that was current on ``as_of`` (default: the latest loaded day)."""
    sql = f"SELECT max(business_date) AS d FROM {feed.table}"
    params: list[Any] = []
    if as_of is not None:
        sql += " WHERE business_date <= ?"
        params.append(as_of)
    day = q.query(sql, params)[0]["d"]
    if day is None:
        when = f" on or before {as_of}" if as_of else ""
        raise NotFound(f"no {feed.name} reference data was loaded{when}")
    return day


def rows(q: Queryable, feed: ReferenceFeed, as_of: date | None = None, *,
         code: str | None = None, after: Sequence[Any] | None = None,
         limit: int = 100) -> tuple[date, list[dict[str, Any]]]:
    """The loaded day current on ``as_of`` and its rows in key order (after ``after``)."""
    day = snapshot_date(q, feed, as_of)
    sql = f"SELECT {', '.join(feed.columns)} FROM {feed.table} WHERE business_date = ?"
    params: list[Any] = [day]
    if code is not None and feed.filter_column:
        sql += f" AND {feed.filter_column} = ?"
        params.append(code)
    if after is not None:
        if len(after) != len(feed.key):
            raise ValidationError(f"a {feed.name} position has {len(feed.key)} parts")
        first, *rest = feed.key
        if rest:   # two-part key: (a > x) or (a = x and b > y)
            sql += f" AND ({first} > ? OR ({first} = ? AND {rest[0]} > ?))"
            params += [after[0], after[0], after[1]]
        else:
            sql += f" AND {first} > ?"
            params.append(after[0])
    sql += f" ORDER BY {', '.join(feed.key)} LIMIT ?"
    params.append(int(limit))
    return day, q.query(sql, params)


def holidays(q: Queryable, calendars: Sequence[str], as_of: date | None = None
             ) -> list[tuple[date, str]]:
    """``(holiday_date, holiday_name)`` of ``calendars`` as loaded on ``as_of`` (or now).

    Raises :class:`ValidationError` naming any calendar the loaded day does not have.
    """
    feed = FEEDS["calendar"]
    codes = sorted({c.strip().upper() for c in calendars if c.strip()})
    if not codes:
        raise ValidationError(NO_CALENDAR)
    day = snapshot_date(q, feed, as_of)
    marks = ", ".join("?" for _ in codes)
    found = q.query(f"SELECT calendar_code, holiday_date, holiday_name FROM {feed.table} "
                    f"WHERE business_date = ? AND calendar_code IN ({marks})", [day, *codes])
    missing = sorted(set(codes) - {r["calendar_code"] for r in found})
    if missing:
        raise ValidationError([f"calendar {c} is not in the calendar reference data of {day}"
                               for c in missing])
    return [(r["holiday_date"], r["holiday_name"]) for r in found]
