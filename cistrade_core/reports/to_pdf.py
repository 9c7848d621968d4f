"""PDF through WeasyPrint from a Jinja2 HTML template.

Title, parameters, generation time, page numbers ("Page n of N"), the column
header repeated on every page, landscape for wide tables.

Rows are set as fixed-width columns of monospaced text, one block per page:
WeasyPrint lays out each table cell as its own box, which made a 10,000-row
report take minutes; a block of lines per page takes seconds.

Each page block holds a fixed number of lines, so the page count is known before
rendering. Long reports are therefore split into page ranges rendered in parallel
(forked worker processes), each numbered from its global first page, and the parts
are joined with pypdf. A part that does not come out at its expected page count makes
the whole report fall back to a single rendering, whose numbering is WeasyPrint's own.

Every text (cells, title, parameters) is made inert first
(:mod:`cistrade_core.reports.safe_text`): a bidi override or isolate cannot reorder
a row, and control characters show as U+FFFD.
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from io import BytesIO
from itertools import pairwise
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from cistrade_core.reports.data import Kind, ReportData
from cistrade_core.reports.safe_text import inert

FONT_PT = 6.5
LINE_MM = 3.2
#: Characters of a line of FONT_PT DejaVu Sans Mono (0.6 em wide) on A4, by orientation.
LINE_CHARS = {False: 136, True: 198}
#: Lines of rows on the first page (below title and parameters) and on later pages.
ROWS_PER_PAGE = {False: (66, 78), True: (40, 52)}
GAP = 2  # spaces between columns
MIN_WIDTH = 6
#: Row lines the first page gives up for each parameter beyond the first.
PARAMETER_LINES = 2
#: Fewest pages worth a worker process of their own.
PAGES_PER_WORKER = 20
MAX_WORKERS = 8


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
    return inert(" ".join(str(value).split()))  # one line per row


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


@dataclass(frozen=True)
class _Layout:
    """The report cut into pages of pre-formatted lines."""

    header: str
    pages: list[str]
    row_count: int
    landscape: bool


def _layout(data: ReportData) -> _Layout:
    """Format the rows as aligned lines and cut them into one block per page."""
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
    first = max(1, first - PARAMETER_LINES * max(0, len(data.parameters) - 1))
    chunks = [lines[:first]] + [lines[i:i + later] for i in range(first, len(lines), later)]
    return _Layout(header=fmt([c.label for c in data.columns]).rstrip(),
                   pages=["\n".join(c) for c in chunks if c], row_count=len(lines),
                   landscape=landscape)


def _html(data: ReportData, layout: _Layout, title: str, generated_at: datetime,
          pages: range | None = None, total_pages: int | None = None) -> str:
    """HTML of the whole report, or only of ``pages`` (0-based) numbered out of ``total_pages``.

    A part after the first carries no title block and starts its page counter at its
    global page number.
    """
    part = pages is not None
    pages = pages if pages is not None else range(len(layout.pages))
    return _env().get_template("report.html.j2").render(
        title=inert(title), parameters={inert(str(k)): inert(str(v))
                                        for k, v in data.parameters.items()},
        generated_at=f"{generated_at:%Y-%m-%d %H:%M} UTC",
        header=layout.header, pages=[layout.pages[i] for i in pages],
        row_count=layout.row_count, landscape=layout.landscape, font_pt=FONT_PT,
        line_mm=LINE_MM, intro=not part or pages.start == 0, first_page=pages.start + 1,
        total_pages=total_pages if part else None,
    )


def render_html(data: ReportData, title: str, generated_at: datetime) -> str:
    """The whole report as one HTML document."""
    return _html(data, _layout(data), title, generated_at)


def _render(html: str, expected_pages: int | None = None) -> bytes | None:
    """PDF bytes of ``html``; None if it does not come out at ``expected_pages`` pages."""
    from weasyprint import HTML

    document = HTML(string=html).render()
    if expected_pages is not None and len(document.pages) != expected_pages:
        return None
    return document.write_pdf()


def _default_workers(pages: int) -> int:
    """Processes worth starting for ``pages`` pages on this machine.

    ``CISTRADE_PDF_WORKERS`` caps it (``1``: render in this process only).
    """
    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    configured = os.environ.get("CISTRADE_PDF_WORKERS")
    if configured:
        return max(1, min(int(configured), pages // PAGES_PER_WORKER or 1))
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, min(cpus or 1, MAX_WORKERS, pages // PAGES_PER_WORKER))


def _render_parts(htmls: list[tuple[str, int]]) -> list[bytes | None]:
    """Render the first part here and the others in forked processes, which inherit the
    fonts and styles WeasyPrint has already loaded."""
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(len(htmls) - 1, mp_context=context) as pool:
        futures = [pool.submit(_render, html, n) for html, n in htmls[1:]]
        first = _render(*htmls[0])
        return [first] + [f.result() for f in futures]


def _join(parts: list[bytes], path: Path) -> None:
    """Concatenate PDF ``parts`` into ``path``, keeping the first part's metadata.

    Objects the parts have in common (the stripe pattern, for one) are written once.
    """
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for i, part in enumerate(parts):
        reader = PdfReader(BytesIO(part))
        if i == 0 and reader.metadata:
            writer.add_metadata(dict(reader.metadata))
        writer.append(reader)
    writer.compress_identical_objects(remove_duplicates=True, remove_unreferenced=True)
    with path.open("wb") as fh:
        writer.write(fh)


def write_pdf(data: ReportData, path: Path, title: str, generated_at: datetime,
              workers: int | None = None) -> Path:
    """Write the report as a PDF to ``path``.

    ``workers`` processes render page ranges in parallel: by default one per CPU, with at
    least PAGES_PER_WORKER pages each, and none where fork is unavailable. ``workers=1``
    renders in this process only.
    """
    layout = _layout(data)
    total = len(layout.pages)
    workers = min(workers or _default_workers(total), max(1, total))
    if workers > 1:
        bounds = [round(i * total / workers) for i in range(workers + 1)]
        ranges = [range(a, b) for a, b in pairwise(bounds)]
        parts = _render_parts([(_html(data, layout, title, generated_at, r, total), len(r))
                               for r in ranges])
        if all(parts):
            _join([p for p in parts if p], path)
            return path
    pdf = _render(_html(data, layout, title, generated_at))
    assert pdf is not None
    path.write_bytes(pdf)
    return path
