"""Each format read back: CSV rows, typed XLSX cells, PDF text."""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from cistrade_core.reports.data import Kind, ReportColumn, ReportData
from cistrade_core.reports.to_csv import write_csv
from cistrade_core.reports.to_pdf import render_html, write_pdf
from cistrade_core.reports.to_xlsx import write_xlsx

GENERATED = datetime(2026, 11, 28, 7, 30, tzinfo=UTC)


@pytest.fixture
def data() -> ReportData:
    cols = [ReportColumn("day", "Day", Kind.DATE), ReportColumn("pair", "Pair"),
            ReportColumn("mid", "Mid", Kind.DECIMAL, 6), ReportColumn("count", "Count", Kind.INT),
            ReportColumn("at", "At", Kind.DATETIME), ReportColumn("stale", "Stale", Kind.BOOL)]
    rows = [(date(2026, 11, 27), f"PAIR{i:03d}", Decimal("1.084612") + i, 1000 + i,
             datetime(2026, 11, 27, 16, i % 60), i % 2 == 0) for i in range(120)]
    rows.append((date(2026, 11, 27), "Zürich ünïcode", None, None, None, None))
    return ReportData(cols, rows, {"business date": "2026-11-27"})


def test_csv_is_utf8_with_a_header_and_the_same_rows(data, tmp_path):
    path = write_csv(data, tmp_path / "r.csv")
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["day", "pair", "mid", "count", "at", "stale"]
    assert rows[1] == ["2026-11-27", "PAIR000", "1.084612", "1000", "2026-11-27 16:00:00", "Y"]
    assert rows[-1] == ["2026-11-27", "Zürich ünïcode", "", "", "", ""]
    assert len(rows) == len(data.rows) + 1


def test_xlsx_has_typed_cells_bold_frozen_header_filter_and_parameters(data, tmp_path):
    from openpyxl import load_workbook

    path = write_xlsx(data, tmp_path / "r.xlsx", "Test report", GENERATED)
    wb = load_workbook(path)
    ws = wb["Report"]
    assert [c.value for c in ws[1]] == ["Day", "Pair", "Mid", "Count", "At", "Stale"]
    assert all(c.font.bold for c in ws[1])
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == f"A1:F{len(data.rows) + 1}"
    day, pair, mid, count, at, stale = (c for c in ws[2])
    assert isinstance(day.value, datetime) and day.number_format == "yyyy-mm-dd"
    assert isinstance(mid.value, float) and mid.value == pytest.approx(1.084612)
    assert mid.number_format == "#,##0.000000"
    assert count.value == 1000 and count.number_format == "#,##0"
    assert at.value == datetime(2026, 11, 27, 16, 0) and at.number_format == "yyyy-mm-dd hh:mm:ss"
    assert stale.value is True
    assert ws.column_dimensions["B"].width >= len("Zürich ünïcode")
    params = {r[0].value: r[1].value for r in wb["Parameters"].iter_rows(min_row=2)}
    assert params["report"] == "Test report" and params["business date"] == "2026-11-27"
    assert params["rows"] == len(data.rows)


def test_pdf_has_title_parameters_rows_and_page_numbers(data, tmp_path):
    from pypdf import PdfReader

    path = write_pdf(data, tmp_path / "r.pdf", "Test report", GENERATED)
    reader = PdfReader(path)
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert len(reader.pages) >= 2
    assert "Test report" in text and "2026-11-28 07:30 UTC" in text
    assert "business date" in text
    assert "PAIR000" in text and "PAIR119" in text and "Zürich ünïcode" in text
    assert f"Page 1 of {len(reader.pages)}" in text
    assert f"Page {len(reader.pages)} of {len(reader.pages)}" in text
    # the header is repeated on every page
    for page in reader.pages:
        assert "Pair" in page.extract_text() and "Mid" in page.extract_text()


def test_wide_tables_are_landscape_and_narrow_ones_portrait(data):
    assert "A4 portrait" in render_html(data, "t", GENERATED)
    wide = ReportData(data.columns + [ReportColumn(f"x{i}", f"X{i}") for i in range(3)],
                      [row + ("a" * 30, "b" * 30, "c" * 30) for row in data.rows])
    assert "A4 landscape" in render_html(wide, "t", GENERATED)


def test_overlong_values_are_cut_to_fit_the_page(data):
    long = ReportData(data.columns + [ReportColumn("note", "Note")],
                      [row + ("word " * 100,) for row in data.rows])
    html = render_html(long, "t", GENERATED)
    assert "A4 landscape" in html
    assert "\u2026" in html  # truncated with an ellipsis
    block = html.split('<pre class="rows">')[1].split("</pre>")[0]
    assert max(len(line) for line in block.splitlines()) <= 198


def _page_texts(path) -> list[str]:
    from pypdf import PdfReader

    return [page.extract_text() for page in PdfReader(path).pages]


def test_pdf_rendered_in_parallel_parts_is_numbered_as_one_document(data, tmp_path):
    texts = _page_texts(write_pdf(data, tmp_path / "r.pdf", "Test report", GENERATED, workers=2))
    assert len(texts) == 2
    assert "Test report" in texts[0] and "business date" in texts[0]
    assert "business date" not in texts[1]  # the title block only opens the report
    for n, text in enumerate(texts, start=1):
        assert f"Page {n} of 2" in text
        assert "Pair" in text and "Mid" in text
    joined = "\n".join(texts)
    assert "PAIR000" in joined and "PAIR119" in joined and "Zürich ünïcode" in joined


def test_pdf_parts_that_overflow_fall_back_to_one_rendering(data, tmp_path, monkeypatch):
    from cistrade_core.reports import to_pdf

    # more lines per block than a page holds: the expected page count is wrong
    monkeypatch.setattr(to_pdf, "ROWS_PER_PAGE", {False: (100, 100), True: (100, 100)})
    rows = ReportData(data.columns, data.rows * 3, data.parameters)
    texts = _page_texts(write_pdf(rows, tmp_path / "r.pdf", "Test report", GENERATED, workers=2))
    assert len(texts) > 4  # 4 blocks of 100 lines, each over a page
    for n, text in enumerate(texts, start=1):
        assert f"Page {n} of {len(texts)}" in text


def test_pdf_worker_processes_can_be_capped(monkeypatch):
    from cistrade_core.reports import to_pdf

    monkeypatch.setenv("CISTRADE_PDF_WORKERS", "1")
    assert to_pdf._default_workers(500) == 1
    monkeypatch.setenv("CISTRADE_PDF_WORKERS", "2")
    assert to_pdf._default_workers(500) == 2
    assert to_pdf._default_workers(5) == 1  # too few pages to split
