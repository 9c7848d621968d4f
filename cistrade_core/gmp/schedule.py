"""When a business day's files are due, and which timestamps are believable."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

#: GMP extracts at 02:00 local time on the day after the business date.
EXTRACT_TIME = time(2, 0)
#: A feed is late ("missing file") this long after the extract.
MISSING_AFTER = timedelta(hours=1)
#: The extract timestamp may be at most this long after 00:00 UTC of the next day.
TIMESTAMP_WINDOW = timedelta(hours=36)


def business_date_for_run(logical: datetime, tz: str) -> date:
    """The business date a run processes: the day before the run's local date."""
    return logical.astimezone(ZoneInfo(tz)).date() - timedelta(days=1)


def expected_extract(business_date: date, tz: str) -> datetime:
    """02:00 local time on the day after ``business_date``, as an aware datetime."""
    local = datetime.combine(business_date + timedelta(days=1), EXTRACT_TIME, ZoneInfo(tz))
    return local.astimezone(UTC)


def missing_deadline(business_date: date, tz: str) -> datetime:
    return expected_extract(business_date, tz) + MISSING_AFTER


def timestamp_window(business_date: date) -> tuple[datetime, datetime]:
    """The interval the control file's ``extract_timestamp`` must fall in."""
    start = datetime.combine(business_date + timedelta(days=1), time(0), UTC)
    return start, start + TIMESTAMP_WINDOW
