"""Business days over one or more holiday calendars."""

from cistrade_core.calendar.business_days import BusinessCalendar

__all__ = ["BusinessCalendar"]
