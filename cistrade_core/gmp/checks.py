"""The contract's checks on one parsed feed. Each returns the problems it found."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import date, datetime

import numpy as np
import pandera.pandas as pa

from cistrade_core.gmp import columnar
from cistrade_core.gmp.control import ControlFile
from cistrade_core.gmp.parse import ParsedFile
from cistrade_core.gmp.problems import CheckKind, Problem
from cistrade_core.gmp.schedule import timestamp_window
from cistrade_core.gmp.schemas import format_schema, quality_schema

#: The largest row-count change against the last loaded day that passes.
ROW_COUNT_TOLERANCE = 0.10

#: How many failure cases are turned into located problems per schema run.
MAX_LOCATED_FAILURES = 1_000


def _messages(parsed: ParsedFile) -> dict[str, str]:
    """Problem messages for pandera's own check names."""
    key = parsed.feed.unique_together[0] if parsed.feed.unique_together else ()
    return {
        "not_nullable": "must not be empty",
        "field_uniqueness": "must be unique (duplicate value)",
        "multiple_fields_uniqueness": "duplicate key " + " + ".join(key),
    }


def _schema_problems(schema: pa.DataFrameSchema, parsed: ParsedFile,
                     kind: CheckKind) -> tuple[list[Problem], int]:
    """Evaluate ``schema`` over the parsed table (every rule, every row: lazily); the first
    :data:`MAX_LOCATED_FAILURES` failures by line and column become located problems.
    Returns them and how many failures there are in all."""
    groups = [f for f in columnar.failures(schema, parsed.table) if len(f.rows)]
    total = sum(len(f.rows) for f in groups)
    if not total:
        return [], 0
    rows = np.concatenate([f.rows for f in groups])
    group = np.repeat(np.arange(len(groups)), [len(f.rows) for f in groups])
    names = sorted({f.column for f in groups})
    column_rank = np.array([names.index(f.column) for f in groups])[group]
    lines = parsed.line_numbers[rows]
    # By line, then column name, then the order the checks were found in.
    first = np.lexsort((group, column_rank, lines))[:MAX_LOCATED_FAILURES]
    messages = _messages(parsed)
    problems = []
    for i in first:
        failed = groups[group[i]]
        value = None if failed.values is None else failed.values[int(rows[i])].as_py()
        problems.append(Problem(kind, parsed.path.name, messages.get(failed.check, failed.check),
                                int(lines[i]), failed.column,
                                None if value is None else str(value)))
    return problems, total


def check_types(parsed: ParsedFile) -> tuple[list[Problem], int]:
    """Every value of ``parsed.table`` has its column's type (format)."""
    return _schema_problems(format_schema(parsed.feed), parsed, CheckKind.FORMAT)


def check_quality(parsed: ParsedFile,
                  references: Mapping[str, Collection[str]]) -> tuple[list[Problem], int]:
    """The contract's data-quality rules over ``parsed.table``, including references to the
    same day's feeds."""
    return _schema_problems(quality_schema(parsed.feed, references), parsed,
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
