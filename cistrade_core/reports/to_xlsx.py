"""XLSX through openpyxl: typed cells, bold frozen header, autofilter, a parameters sheet.

Written in openpyxl's write-only (streaming) mode, which keeps large reports fast
and small in memory; cell formats come from one named style per column type.

A write-only sheet serialises each row as it is appended, so every formatted column
reuses one styled cell: only its value changes from row to row, instead of a new cell
being created and styled for every value.

Text cells are made inert (:mod:`cistrade_core.reports.safe_text`): a text that a
spreadsheet would take as a formula is written with a leading apostrophe, as a
string cell, and bidi and control characters are replaced.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path

from cistrade_core.reports.data import Kind, ReportData
from cistrade_core.reports.safe_text import spreadsheet_text

_FORMATS = {
    Kind.INT: "#,##0",
    Kind.DATE: "yyyy-mm-dd",
    Kind.DATETIME: "yyyy-mm-dd hh:mm:ss",
}


def _number_format(kind: Kind, places: int) -> str | None:
    if kind is Kind.DECIMAL:
        return "#,##0." + "0" * places if places else "#,##0"
    return _FORMATS.get(kind)


def _cell_value(value: object, kind: Kind) -> object:
    if isinstance(value, Decimal):
        return float(value) if kind is Kind.DECIMAL else value
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.replace(tzinfo=None)
    if isinstance(value, str):
        return spreadsheet_text(value)
    return value


def write_xlsx(data: ReportData, path: Path, title: str, generated_at: datetime) -> Path:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, NamedStyle, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook(write_only=True)
    header_style = NamedStyle("cistrade_header", font=Font(bold=True, color="FFFFFF"),
                              fill=PatternFill("solid", fgColor="1F4E78"),
                              alignment=Alignment(vertical="center"))
    wb.add_named_style(header_style)
    styles: dict[str, str] = {}
    for col in data.columns:
        fmt = _number_format(col.kind, col.places)
        if fmt and fmt not in styles:
            name = f"cistrade_{len(styles)}"
            wb.add_named_style(NamedStyle(name, number_format=fmt))
            styles[fmt] = name
    column_styles = [styles.get(_number_format(c.kind, c.places) or "") for c in data.columns]

    ws = wb.create_sheet("Report")
    widths = [len(c.label) for c in data.columns]
    for i, _ in enumerate(data.columns):
        sample = [r[i] for r in data.rows[:500]]
        widths[i] = max([widths[i]] + [min(60, len(str(v))) for v in sample if v is not None])
    for i, col in enumerate(data.columns, start=1):
        extra = 4 if col.kind in (Kind.DATETIME, Kind.DECIMAL) else 2
        ws.column_dimensions[get_column_letter(i)].width = widths[i - 1] + extra
    ws.freeze_panes = "A2"
    last = get_column_letter(max(1, len(data.columns)))
    ws.auto_filter.ref = f"A1:{last}{len(data.rows) + 1}"

    def header_cell(text: str) -> WriteOnlyCell:
        cell = WriteOnlyCell(ws, text)
        cell.style = header_style.name
        return cell

    ws.append([header_cell(spreadsheet_text(c.label)) for c in data.columns])
    kinds = [c.kind for c in data.columns]
    styled: list[WriteOnlyCell | None] = []
    for style in column_styles:
        cell = None
        if style is not None:
            cell = WriteOnlyCell(ws)
            cell.style = style
        styled.append(cell)
    for row in data.rows:
        cells: list[object] = []
        for value, kind, cell in zip(row, kinds, styled, strict=True):
            if cell is None or value is None:
                cells.append(_cell_value(value, kind))
            else:
                cell.value = _cell_value(value, kind)
                cells.append(cell)
        ws.append(cells)  # written out here, so the styled cells can take the next row

    params = wb.create_sheet("Parameters")
    params.column_dimensions["A"].width = 18
    params.column_dimensions["B"].width = 40
    params.append([header_cell("Parameter"), header_cell("Value")])
    params.append(["report", spreadsheet_text(title)])
    for key, value in data.parameters.items():
        params.append([spreadsheet_text(str(key)), spreadsheet_text(str(value))])
    params.append(["rows", len(data.rows)])
    stamp = WriteOnlyCell(params, generated_at.replace(tzinfo=None))
    stamp.number_format = "yyyy-mm-dd hh:mm:ss"
    params.append(["generated at", stamp])
    wb.save(path)
    return path
