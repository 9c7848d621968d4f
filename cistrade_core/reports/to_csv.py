"""CSV: UTF-8, a header row, ISO dates, plain decimal numbers.

Text cells are made inert (:mod:`cistrade_core.reports.safe_text`): never a formula,
no bidi or control characters.
"""

from __future__ import annotations

import csv
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from cistrade_core.reports.data import ReportData
from cistrade_core.reports.safe_text import spreadsheet_text


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "Y" if value else "N"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, int | float):
        return str(value)
    return spreadsheet_text(str(value))


def write_csv(data: ReportData, path: Path) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow([c.name for c in data.columns])
        writer.writerows([_text(v) for v in row] for row in data.rows)
    return path
