"""The one clock of the platform: aware UTC time, from an injectable clock.

Every timestamp the library handles is an aware ``datetime`` in UTC:
:func:`utcnow` is the only place that reads the system time, and services take a
:data:`Clock` (``utcnow`` by default, a :class:`FixedClock` in tests and replays).

The warehouse stores naive UTC (``TIMESTAMP`` columns in DuckDB, Hive and
Impala/Kudu). The engines convert at their boundary, in one place per direction
(:mod:`cistrade_core.warehouse.timestamps`): parameters and rows written become
naive UTC in Python before they are bound (:func:`naive_utc`; never through a
session time zone), and rows read back are made aware UTC (:func:`as_utc`), so
every comparison in the library is aware against aware. Writers that cannot
hold a time zone (openpyxl) and text meant for people keep the naive UTC form.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

#: A function returning the current time as an aware UTC ``datetime``.
Clock = Callable[[], datetime]


def utcnow() -> datetime:
    """Now, as an aware UTC timestamp."""
    return datetime.now(UTC)


def as_utc(ts: datetime) -> datetime:
    """``ts`` as aware UTC: a naive value is taken to be UTC already."""
    return ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts.astimezone(UTC)


def naive_utc(ts: datetime) -> datetime:
    """``ts`` as the naive UTC timestamp the warehouse stores (naive values are UTC)."""
    return ts if ts.tzinfo is None else ts.astimezone(UTC).replace(tzinfo=None)


class FixedClock:
    """A clock that only moves when told to (tests, replays).

    A naive start (or a naive time assigned to :attr:`now`) is taken as UTC; the
    clock always returns aware UTC.
    """

    def __init__(self, start: datetime) -> None:
        self.now = start

    @property
    def now(self) -> datetime:
        return self._now

    @now.setter
    def now(self, value: datetime) -> None:
        self._now = as_utc(value)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now = self.now + timedelta(**delta)
        return self.now
