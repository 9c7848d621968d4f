"""The contract's checks on one parsed feed. Each returns the problems it found."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import date, datetime

import pandas as pd
import pandera.pandas as pa

from cistrade_core.gmp.control import ControlFile
from cistrade_core.gmp.parse import ParsedFile
from cistrade_core.gmp.problems import CheckKind, Problem
from cistrade_core.gmp.schedule import timestamp_window
from cistrade_core.gmp.schemas import ROW_CHECK_COLUMNS, format_schema, quality_schema

#: The largest row-count change against the last loaded day that passes.
ROW_COUNT_TOLERANCE = 0.10

#: How many failure cases are turned into located problems per schema run.
MAX_LOCATED_FAILURES = 1_000


def _schema_problems(schema: pa.DataFrameSchema, df: pd.DataFrame, parsed: ParsedFile,
                     kind: CheckKind) -> tuple[list[Problem], int]:
    """Run ``schema`` lazily; turn its failure cases into located problems."""
    try:
        schema.validate(df, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
    else:
        return [], 0
    # A check across columns reports every column of a failing line: keep the one it is about.
    row_checks = (schema.metadata or {}).get(ROW_CHECK_COLUMNS, {})
    if row_checks:
        about = cases["check"].map(row_checks)
        cases = cases[about.isna() | (about == cases["column"])]
    total = len(cases)
    cases = cases.head(MAX_LOCATED_FAILURES)
    problems = []
    for case in cases.itertuples(index=False):
        index = case.index
        line = None
        if index is not None and not pd.isna(index):
            line = int(parsed.line_numbers[int(index)])
        check = str(case.check)
        message = {
            "not_nullable": "must not be empty",
            "field_uniqueness": "must be unique (duplicate value)",
            "multiple_fields_uniqueness": "duplicate key "
            + " + ".join(parsed.feed.unique_together[0] if parsed.feed.unique_together else ()),
        }.get(check, check)
        value = None if case.failure_case is None or pd.isna(case.failure_case) \
            else str(case.failure_case)
        problems.append(Problem(kind, parsed.path.name, message, line, case.column, value))
    problems.sort(key=lambda p: (p.line or 0, p.column or ""))
    return problems, total


def check_types(parsed: ParsedFile, df: pd.DataFrame) -> tuple[list[Problem], int]:
    """Every value has its column's type (format)."""
    return _schema_problems(format_schema(parsed.feed), df, parsed, CheckKind.FORMAT)


def check_quality(parsed: ParsedFile, df: pd.DataFrame,
                  references: Mapping[str, Collection[str]]) -> tuple[list[Problem], int]:
    """The contract's data-quality rules, including references to the same day's feeds."""
    return _schema_problems(quality_schema(parsed.feed, references), df, parsed,
                            CheckKind.DATA_QUALITY)


def check_control_count(parsed: ParsedFile, control: ControlFile) -> list[Problem]:
    if parsed.data_lines == control.row_count:
        return []
    return [Problem(
        CheckKind.ROW_COUNT_CONTROL, parsed.path.name,
        f"{parsed.data_lines:,} data lines but the control file says {control.row_count:,}",
    )]


def check_timestamp(control: ControlFile, business_date: date, ctl_name: str,
                    last_loaded_extract: datetime | None) -> list[Problem]:
    """The extract timestamp lies in its window and is not older than the last loaded one."""
    start, end = timestamp_window(business_date)
    ts = control.extract_timestamp
    iso = ts.strftime("%Y-%m-%dT%H:%M:%SZ")
    if not start <= ts <= end:
        return [Problem(
            CheckKind.TIMESTAMP, ctl_name,
            f"extract_timestamp must lie between {start:%Y-%m-%dT%H:%M}Z and {end:%Y-%m-%dT%H:%M}Z",
            2, "extract_timestamp", iso,
        )]
    if last_loaded_extract is not None and ts < last_loaded_extract:
        return [Problem(
            CheckKind.TIMESTAMP, ctl_name,
            f"extract is older than the last loaded one ({last_loaded_extract:%Y-%m-%dT%H:%M:%SZ})",
            2, "extract_timestamp", iso,
        )]
    return []


def row_count_change(rows: int, previous_rows: int | None) -> float | None:
    """The relative change against the last loaded day, or None if there is none."""
    if not previous_rows:
        return None
    return (rows - previous_rows) / previous_rows


def check_row_count_change(parsed: ParsedFile, rows: int,
                           previous_rows: int | None) -> list[Problem]:
    change = row_count_change(rows, previous_rows)
    if change is None or abs(change) <= ROW_COUNT_TOLERANCE:
        return []
    return [Problem(
        CheckKind.ROW_COUNT_CHANGE, parsed.path.name,
        f"{rows:,} rows against {previous_rows:,} on the last loaded day ({change:+.1%}, "
        f"tolerance ±{ROW_COUNT_TOLERANCE:.0%})",
    )]
