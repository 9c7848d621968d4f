"""The control file GMP writes after each data file.

At most :data:`MAX_CONTROL_BYTES` are read (two short lines need far fewer); the
numbers are ASCII digits only (``17²`` or Arabic-Indic digits are not a count) and
``row_count`` has at most :data:`MAX_ROW_COUNT_DIGITS` of them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from cistrade_core.errors import CoreError
from cistrade_core.feeds import ColumnType
from cistrade_core.feeds.spec import TYPE_PATTERNS
from cistrade_core.gmp.problems import CheckKind, Problem

CONTROL_HEADER = ("feed", "business_date", "row_count", "extract_timestamp")

#: A control file is two short lines; anything longer is not one.
MAX_CONTROL_BYTES = 4096
MAX_ROW_COUNT_DIGITS = 18

# [0-9] (not \d) so that only ASCII digits count.
_BUSINESS_DATE = re.compile(r"[0-9]{8}")
_ROW_COUNT = re.compile(rf"[0-9]{{1,{MAX_ROW_COUNT_DIGITS}}}")
_TIMESTAMP = re.compile(TYPE_PATTERNS[ColumnType.TIMESTAMP])


@dataclass(frozen=True)
class ControlFile:
    feed: str
    business_date: date
    row_count: int
    extract_timestamp: datetime  # aware, UTC

    def render(self) -> str:
        ts = self.extract_timestamp.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return (
            "|".join(CONTROL_HEADER) + "\n"
            f"{self.feed}|{self.business_date:%Y%m%d}|{self.row_count}|{ts}\n"
        )


class ControlFileError(CoreError, ValueError):
    """The control file cannot be read; ``problem`` says where and why."""

    outcome = "INVALID"

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


def parse_timestamp(text: str) -> datetime:
    """ISO-8601 UTC (``2026-11-28T02:00:07Z`` or ``...+00:00``) to an aware datetime."""
    if not _TIMESTAMP.fullmatch(text):
        raise ValueError(f"not an ISO-8601 UTC timestamp: {text!r}")
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def _parse_business_date(text: str) -> date | None:
    """``YYYYMMDD`` (exactly eight digits, a real day) to a date, else None."""
    if not _BUSINESS_DATE.fullmatch(text):
        return None  # strptime alone would take 202611 as 2026-01-01
    try:
        return datetime.strptime(text, "%Y%m%d").date()
    except ValueError:
        return None


def _lines(text: str) -> list[str]:
    """The lines of ``text`` (``\n`` or ``\r\n``; the last may lack its line end)."""
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    return [line.removesuffix("\r") for line in lines]


def read_control_file(path: Path, feed: str, business_date: date) -> ControlFile:
    """Parse and cross-check a control file; raise :class:`ControlFileError` if it is wrong."""
    name = path.name

    def fail(message: str, line: int | None = None, column: str | None = None,
             value: str | None = None) -> ControlFileError:
        return ControlFileError(Problem(CheckKind.FORMAT, name, message, line, column, value))

    try:
        with path.open("rb") as fh:
            raw = fh.read(MAX_CONTROL_BYTES + 1)
    except OSError as exc:
        raise fail(f"cannot be read ({exc.strerror or type(exc).__name__}); expected a "
                   "readable file") from None
    if len(raw) > MAX_CONTROL_BYTES:
        raise fail(f"larger than {MAX_CONTROL_BYTES} bytes; expected a header line and one "
                   "data line")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise fail(f"not UTF-8 ({exc.reason}); expected UTF-8 text") from None
    lines = _lines(text)
    if len(lines) != 2:
        raise fail(f"expected a header line and one data line, found {len(lines)} lines")
    header = tuple(lines[0].split("|"))
    if header != CONTROL_HEADER:
        raise fail(f"header must be {'|'.join(CONTROL_HEADER)}", 1, None, lines[0])
    fields = lines[1].split("|")
    if len(fields) != len(CONTROL_HEADER):
        raise fail(f"expected {len(CONTROL_HEADER)} fields, found {len(fields)}", 2)
    values = dict(zip(CONTROL_HEADER, fields, strict=True))
    if values["feed"] != feed:
        raise fail(f"feed must be {feed!r}", 2, "feed", values["feed"])
    ctl_date = _parse_business_date(values["business_date"])
    if ctl_date is None:
        raise fail("business_date must be YYYYMMDD", 2, "business_date", values["business_date"])
    if ctl_date != business_date:
        raise fail(f"business_date must be {business_date:%Y%m%d}", 2, "business_date",
                   values["business_date"])
    if not _ROW_COUNT.fullmatch(values["row_count"]):
        raise fail(f"row_count must be a whole number of 1 to {MAX_ROW_COUNT_DIGITS} ASCII "
                   "digits", 2, "row_count", values["row_count"])
    try:
        extract = parse_timestamp(values["extract_timestamp"])
    except ValueError:
        raise fail("extract_timestamp must be ISO-8601 UTC, e.g. 2026-11-28T02:00:07Z", 2,
                   "extract_timestamp", values["extract_timestamp"]) from None
    return ControlFile(feed, ctl_date, int(values["row_count"]), extract)
