"""Business calendars read from the loaded GMP calendar feed."""

from __future__ import annotations

from datetime import date

import pyarrow as pa
import pytest

from cistrade_core.calendar import (
    business_calendars,
    calendar_codes,
    closed_because,
    load_calendar,
)
from cistrade_core.errors import ValidationError
from cistrade_core.feeds import FEEDS
from cistrade_core.gmp.store import GmpStore, LoadRecord, LoadStatus

LOADED = date(2026, 3, 2)


@pytest.fixture
def calendars(warehouse):
    feed = FEEDS["calendar"]
    rows = [("GB", date(2026, 4, 3), "Good Friday"), ("GB", date(2026, 4, 6), "Easter Monday"),
            ("USNY", date(2026, 5, 25), "Memorial Day")]
    table = pa.table({n: [r[i] for r in rows] for i, n in enumerate(feed.column_names)})
    GmpStore(warehouse).load_day(feed, LOADED, table,
                                 LoadRecord("calendar", LOADED, LoadStatus.LOADED, "test",
                                            row_count=len(rows)))
    return warehouse


def test_codes_are_read_from_the_setting(monkeypatch):
    monkeypatch.setenv("CISTRADE_BUSINESS_CALENDARS", " usny, GB ,,gb")
    assert business_calendars() == ["GB", "USNY"]
    monkeypatch.delenv("CISTRADE_BUSINESS_CALENDARS")
    assert business_calendars() == []
    assert calendar_codes("") == []


def test_holidays_of_the_loaded_calendars_close_the_business(calendars):
    gb = load_calendar(calendars, ["GB"])
    assert closed_because(gb, date(2026, 4, 3)) == "Good Friday"
    assert closed_because(gb, date(2026, 4, 4)) == "Saturday"
    assert closed_because(gb, date(2026, 5, 25)) is None
    both = load_calendar(calendars, ["GB", "USNY"])
    assert closed_because(both, date(2026, 5, 25)) == "Memorial Day"
    assert closed_because(both, date(2026, 4, 7)) is None


def test_no_calendar_means_weekends_only(warehouse):
    cal = load_calendar(warehouse, [])
    assert closed_because(cal, date(2026, 4, 3)) is None
    assert closed_because(cal, date(2026, 4, 5)) == "Sunday"


def test_an_unknown_calendar_is_named(calendars):
    with pytest.raises(ValidationError, match="calendar XX is not in the calendar reference data"):
        load_calendar(calendars, ["GB", "XX"])
