"""PDF through WeasyPrint from a Jinja2 HTML template.

Title, parameters, generation time, page numbers ("Page n of N"), the column
header repeated on every page, landscape for wide tables.

Rows are set as fixed-width columns of monospaced text, one block per page:
WeasyPrint lays out each table cell as its own box, which made a 10,000-row
report take minutes; a block of lines per page takes seconds.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from cistrade_core.reports.data import Kind, ReportData

FONT_PT = 6.5
LINE_MM = 3.2
#: Characters of a line of FONT_PT DejaVu Sans Mono (0.6 em wide) on A4, by orientation.
LINE_CHARS = {False: 136, True: 198}
#: Lines of rows on the first page (below title and parameters) and on later pages.
ROWS_PER_PAGE = {False: (66, 78), True: (40, 52)}
GAP = 2  # spaces between columns
MIN_WIDTH = 6


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
    return " ".join(str(value).split())  # one line per row


def _fit(widths: list[int], room: int) -> list[int]:
    """Shrink the widest columns until the line fits ``room`` characters."""
    widths = list(widths)
    while sum(widths) + GAP * (len(widths) - 1) > room:
        widest = max(range(len(widths)), key=widths.__getitem__)
        if widths[widest] <= MIN_WIDTH:
            break
        widths[widest] -= 1
    return widths


def _cell(text: str, width: int, right: bool) -> str:
    if len(text) > width:
        text = text[: width - 1] + "\u2026"
    return text.rjust(width) if right else text.ljust(width)


def render_html(data: ReportData, title: str, generated_at: datetime) -> str:
    shown = [[_shown(v, c.kind, c.places) for v, c in zip(row, data.columns, strict=True)]
             for row in data.rows]
    natural = [max([len(c.label)] + [len(r[i]) for r in shown]) for i, c in
               enumerate(data.columns)]
    line = sum(natural) + GAP * (len(natural) - 1)
    landscape = line > LINE_CHARS[False]
    widths = _fit(natural, LINE_CHARS[landscape])
    right = [c.kind in (Kind.INT, Kind.DECIMAL) for c in data.columns]
    gap = " " * GAP

    def fmt(cells: list[str]) -> str:
        return gap.join(_cell(t, w, r) for t, w, r in zip(cells, widths, right, strict=True))

    lines = [fmt(r).rstrip() for r in shown]
    first, later = ROWS_PER_PAGE[landscape]
    chunks = [lines[:first]] + [lines[i:i + later] for i in range(first, len(lines), later)]
    return _env().get_template("report.html.j2").render(
        title=title, parameters=data.parameters, generated_at=f"{generated_at:%Y-%m-%d %H:%M} UTC",
        header=fmt([c.label for c in data.columns]).rstrip(),
        pages=["\n".join(c) for c in chunks if c], row_count=len(lines),
        landscape=landscape, font_pt=FONT_PT, line_mm=LINE_MM,
    )


def write_pdf(data: ReportData, path: Path, title: str, generated_at: datetime) -> Path:
    from weasyprint import HTML

    HTML(string=render_html(data, title, generated_at)).write_pdf(path)
    return path
