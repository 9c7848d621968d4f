"""XLSX through openpyxl: typed cells, bold frozen header, autofilter, a parameters sheet."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path

from cistrade_core.reports.data import Kind, ReportData

_FORMATS = {
    Kind.INT: "#,##0",
    Kind.DATE: "yyyy-mm-dd",
    Kind.DATETIME: "yyyy-mm-dd hh:mm:ss",
}


def _cell_value(value: object, kind: Kind) -> object:
    if isinstance(value, Decimal):
        return float(value) if kind is Kind.DECIMAL else value
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.replace(tzinfo=None)
    return value


def write_xlsx(data: ReportData, path: Path, title: str, generated_at: datetime) -> Path:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = "Report"
    bold = Font(bold=True, color="FFFFFF")
    fill = PatternFill("solid", fgColor="1F4E78")
    ws.append([c.label for c in data.columns])
    for cell in ws[1]:
        cell.font, cell.fill = bold, fill
        cell.alignment = Alignment(vertical="center")
    widths = [len(c.label) for c in data.columns]
    for row in data.rows:
        ws.append([_cell_value(v, c.kind) for v, c in zip(row, data.columns, strict=True)])
        for i, value in enumerate(row):
            widths[i] = max(widths[i], min(60, len(str(value)) if value is not None else 0))
    for i, col in enumerate(data.columns, start=1):
        fmt = _FORMATS.get(col.kind) or (
            "#,##0." + "0" * col.places if col.kind is Kind.DECIMAL else None)
        if fmt and data.rows:
            for (cell,) in ws.iter_rows(min_row=2, min_col=i, max_col=i):
                cell.number_format = fmt
        extra = 4 if col.kind in (Kind.DATETIME, Kind.DECIMAL) else 2
        ws.column_dimensions[get_column_letter(i)].width = widths[i - 1] + extra
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions

    params = wb.create_sheet("Parameters")
    params.append(["Parameter", "Value"])
    for cell in params[1]:
        cell.font, cell.fill = bold, fill
    params.append(["report", title])
    for key, value in data.parameters.items():
        params.append([key, str(value)])
    params.append(["rows", len(data.rows)])
    params.append(["generated at", generated_at.replace(tzinfo=None)])
    params.cell(row=params.max_row, column=2).number_format = "yyyy-mm-dd hh:mm:ss"
    params.column_dimensions["A"].width = 18
    params.column_dimensions["B"].width = 40
    wb.save(path)
    return path
