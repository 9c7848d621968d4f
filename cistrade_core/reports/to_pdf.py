"""PDF through WeasyPrint from a Jinja2 HTML template.

Title, parameters, generation time, page numbers ("Page n of N"), the table
header repeated on every page, landscape for wide tables.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from cistrade_core.reports.data import Kind, ReportData

#: Tables with more columns than this are printed in landscape.
LANDSCAPE_ABOVE = 6
#: Rows per page (first page, later pages) for landscape and portrait. Every row is one
#: line high (no wrapping), so a page's rows are known before layout; printing one table
#: per page keeps WeasyPrint's layout time linear in the number of rows.
ROWS_PER_PAGE = {True: (40, 52), False: (64, 76)}


@cache
def _env() -> Environment:
    return Environment(loader=PackageLoader("cistrade_core.reports", "templates"),
                       autoescape=select_autoescape(["html", "j2"]))


def _shown(value: object, kind: Kind, places: int) -> str:
    if value is None:
        return ""
    if kind is Kind.DECIMAL and isinstance(value, Decimal | float | int):
        return f"{value:,.{places}f}"
    if kind is Kind.INT and isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def render_html(data: ReportData, title: str, generated_at: datetime) -> str:
    weights = []
    for i, c in enumerate(data.columns):
        longest = max([len(c.label)] + [len(_shown(r[i], c.kind, c.places))
                                         for r in data.rows[:200]])
        weights.append(min(max(longest, 4), 60))
    total = sum(weights) or 1
    columns = [
        {"label": c.label, "width": round(100 * w / total, 2),
         "css": "num" if c.kind in (Kind.INT, Kind.DECIMAL) else ""}
        for c, w in zip(data.columns, weights, strict=True)
    ]
    rows = [[_shown(v, c.kind, c.places) for v, c in zip(row, data.columns, strict=True)]
            for row in data.rows]
    landscape = len(columns) > LANDSCAPE_ABOVE
    first, later = ROWS_PER_PAGE[landscape]
    pages = [rows[:first]] + [rows[i:i + later] for i in range(first, len(rows), later)]
    return _env().get_template("report.html.j2").render(
        title=title, parameters=data.parameters, generated_at=f"{generated_at:%Y-%m-%d %H:%M} UTC",
        columns=columns, pages=[p for p in pages if p], row_count=len(rows),
        landscape=landscape,
    )


def write_pdf(data: ReportData, path: Path, title: str, generated_at: datetime) -> Path:
    from weasyprint import HTML

    HTML(string=render_html(data, title, generated_at)).write_pdf(path)
    return path
