"""Business-day arithmetic over holiday calendars.

A day is a business day when it is not a weekend day (Saturday, Sunday) and
not a holiday in any of the calendars combined (a payment between London and
New York settles on a day both are open). The holidays come from the GMP
calendar feed (:func:`cistrade_core.refdata.snapshots.holidays`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

WEEKEND = frozenset({5, 6})
#: Longest run of consecutive closed days tolerated before the calendar is called broken.
MAX_CLOSED_RUN = 366


@dataclass(frozen=True)
class BusinessCalendar:
    """The union of some calendars' holidays: ``{date: [holiday names]}``."""

    holidays: Mapping[date, tuple[str, ...]] = field(default_factory=dict)
    weekend: frozenset[int] = WEEKEND

    @classmethod
    def of(cls, rows: Iterable[tuple[date, str]]) -> BusinessCalendar:
        """From ``(holiday_date, holiday_name)`` pairs of any number of calendars."""
        by_day: dict[date, list[str]] = {}
        for day, name in rows:
            names = by_day.setdefault(day, [])
            if name not in names:
                names.append(name)
        return cls({d: tuple(n) for d, n in by_day.items()})

    def is_business_day(self, day: date) -> bool:
        return day.weekday() not in self.weekend and day not in self.holidays

    def holiday_names(self, day: date) -> tuple[str, ...]:
        return self.holidays.get(day, ())

    def add(self, day: date, n: int) -> date:
        """``n`` business days after ``day`` (before it when ``n`` is negative).

        ``add(d, 0)`` is ``d`` itself when it is a business day, else the next one.
        """
        if n == 0:
            return self.next(day, inclusive=True)
        step = timedelta(days=1 if n > 0 else -1)
        remaining, current, closed = abs(n), day, 0
        while remaining:
            current += step
            if self.is_business_day(current):
                remaining, closed = remaining - 1, 0
            else:
                closed += 1
                if closed > MAX_CLOSED_RUN:
                    raise ValueError(f"no business day within {MAX_CLOSED_RUN} days of "
                                     f"{current - step * closed}")
        return current

    def next(self, day: date, inclusive: bool = False) -> date:
        """The first business day after ``day`` (or ``day`` itself when ``inclusive``)."""
        current = day if inclusive else day + timedelta(days=1)
        for _ in range(MAX_CLOSED_RUN + 1):
            if self.is_business_day(current):
                return current
            current += timedelta(days=1)
        raise ValueError(f"no business day within {MAX_CLOSED_RUN} days of {day}")

    def previous(self, day: date, inclusive: bool = False) -> date:
        """The last business day before ``day`` (or ``day`` itself when ``inclusive``)."""
        current = day if inclusive else day - timedelta(days=1)
        for _ in range(MAX_CLOSED_RUN + 1):
            if self.is_business_day(current):
                return current
            current -= timedelta(days=1)
        raise ValueError(f"no business day within {MAX_CLOSED_RUN} days of {day}")
