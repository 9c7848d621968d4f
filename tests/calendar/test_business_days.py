"""Business-day arithmetic over combined holiday calendars."""

from __future__ import annotations

from datetime import date

import pytest

from cistrade_core.calendar import BusinessCalendar

EASTER = BusinessCalendar.of([(date(2026, 4, 3), "Good Friday"),
                              (date(2026, 4, 6), "Easter Monday"),
                              (date(2026, 4, 3), "Good Friday")])


def test_weekends_and_holidays_are_closed_and_names_are_kept_once():
    assert not EASTER.is_business_day(date(2026, 4, 4))          # Saturday
    assert not EASTER.is_business_day(date(2026, 4, 6))
    assert EASTER.is_business_day(date(2026, 4, 7))
    assert EASTER.holiday_names(date(2026, 4, 3)) == ("Good Friday",)


def test_add_subtract_next_previous():
    assert EASTER.add(date(2026, 4, 2), 1) == date(2026, 4, 7)
    assert EASTER.add(date(2026, 4, 7), -1) == date(2026, 4, 2)
    assert EASTER.add(date(2026, 4, 4), 0) == date(2026, 4, 7)
    assert EASTER.add(date(2026, 4, 1), 0) == date(2026, 4, 1)
    assert EASTER.add(date(2026, 3, 30), 10) == date(2026, 4, 15)
    assert EASTER.next(date(2026, 4, 2)) == date(2026, 4, 7)
    assert EASTER.previous(date(2026, 4, 7)) == date(2026, 4, 2)
    assert EASTER.previous(date(2026, 4, 7), inclusive=True) == date(2026, 4, 7)


def test_a_calendar_closed_for_ever_is_an_error_not_a_hang():
    closed = BusinessCalendar(weekend=frozenset(range(7)))
    with pytest.raises(ValueError, match="no business day within 366 days"):
        closed.next(date(2026, 1, 1))
    with pytest.raises(ValueError, match="no business day within 366 days"):
        closed.add(date(2026, 1, 1), 3)
