"""Business calendars built from the loaded GMP calendar reference data."""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import date

from cistrade_core.calendar.business_days import BusinessCalendar
from cistrade_core.refdata import holidays
from cistrade_core.refdata.snapshots import Queryable

#: The calendars whose holidays close the business (comma-separated codes, e.g. ``GB``).
CALENDARS_VARIABLE = "CISTRADE_BUSINESS_CALENDARS"


def calendar_codes(text: str) -> list[str]:
    """``"gb, usny"`` -> ``["GB", "USNY"]`` (sorted, each once)."""
    return sorted({c.strip().upper() for c in text.split(",") if c.strip()})


def business_calendars() -> list[str]:
    """The configured calendars of the business (``CISTRADE_BUSINESS_CALENDARS``; may be none)."""
    return calendar_codes(os.environ.get(CALENDARS_VARIABLE, ""))


def load_calendar(q: Queryable, calendars: Sequence[str], as_of: date | None = None
                  ) -> BusinessCalendar:
    """The union of ``calendars`` as loaded on ``as_of`` (or now); weekends only when none.

    Raises :class:`~cistrade_core.errors.ValidationError` naming a calendar the
    loaded reference data does not have.
    """
    if not calendars:
        return BusinessCalendar()
    return BusinessCalendar.of(holidays(q, calendars, as_of))


def closed_because(calendar: BusinessCalendar, day: date) -> str | None:
    """Why ``day`` is not a business day (``"Saturday"``, ``"Good Friday"``), or None."""
    if calendar.is_business_day(day):
        return None
    names = calendar.holiday_names(day)
    return ", ".join(names) if names else f"{day:%A}"
