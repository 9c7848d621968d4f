"""Business days over one or more holiday calendars."""

from cistrade_core.calendar.business_days import BusinessCalendar
from cistrade_core.calendar.loaded import (
    business_calendars,
    calendar_codes,
    closed_because,
    load_calendar,
)

__all__ = ["BusinessCalendar", "business_calendars", "calendar_codes", "closed_because",
           "load_calendar"]
