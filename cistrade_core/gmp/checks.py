"""The contract's checks on one parsed feed. Each returns the problems it found."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

import numpy as np
import pandera.pandas as pa
import pyarrow as pa_

from cistrade_core.feeds import ColumnType, Feed
from cistrade_core.gmp import columnar
from cistrade_core.gmp.control import ControlFile
from cistrade_core.gmp.key_order import KeyOrder
from cistrade_core.gmp.parse import ParsedFile
from cistrade_core.gmp.problems import CheckKind, Problem
from cistrade_core.gmp.schedule import timestamp_window
from cistrade_core.gmp.schemas import format_schema, quality_schema
from cistrade_core.gmp.text import TEXT

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


@dataclass
class _Group:
    """The failures of one check so far: the first rows (of the file) and values, the count."""

    column: str
    check: str
    rows: list[np.ndarray] = field(default_factory=list)
    values: list[str | None] = field(default_factory=list)
    count: int = 0


class FailureTally:
    """The failures of a schema's checks over a file, added a table of its rows at a time
    in file order; the first :data:`MAX_LOCATED_FAILURES` of each check are kept (with
    the values to quote), the others only counted."""

    def __init__(self, kind: CheckKind) -> None:
        self.kind = kind
        self._groups: dict[int, _Group] = {}

    @property
    def count(self) -> int:
        return sum(g.count for g in self._groups.values())

    def add(self, failures: Iterable[columnar.Failures], first_row: int = 0) -> None:
        """``failures`` of a table whose first row is row ``first_row`` of the file."""
        for failed in failures:
            if not len(failed.rows):
                continue
            group = self._groups.setdefault(failed.order, _Group(failed.column, failed.check))
            group.count += len(failed.rows)
            room = MAX_LOCATED_FAILURES - sum(len(r) for r in group.rows)
            if room <= 0:
                continue
            rows = failed.rows[:room]
            group.rows.append(rows + first_row)
            quoted = [None] * len(rows) if failed.values is None else \
                failed.values.take(pa_.array(rows)).to_pylist()
            group.values += [None if v is None else str(v) for v in quoted]

    def problems(self, parsed: ParsedFile) -> tuple[list[Problem], int]:
        """The first :data:`MAX_LOCATED_FAILURES` failures by line, column and check order as
        located problems, and how many failures there are in all."""
        groups = sorted(self._groups.items())
        total = sum(g.count for _, g in groups)
        if not total:
            return [], 0
        rows = np.concatenate([r for _, g in groups for r in g.rows])
        order = np.repeat(np.arange(len(groups)), [sum(len(r) for r in g.rows) for _, g in groups])
        names = sorted({g.column for _, g in groups})
        column_rank = np.array([names.index(g.column) for _, g in groups])[order]
        at = np.concatenate([np.arange(len(g.values)) for _, g in groups])
        lines = parsed.line_numbers[rows]
        messages = _messages(parsed)
        problems = []
        for i in np.lexsort((order, column_rank, lines))[:MAX_LOCATED_FAILURES]:
            group = groups[order[i]][1]
            problems.append(Problem(self.kind, parsed.path.name,
                                    messages.get(group.check, group.check), int(lines[i]),
                                    group.column, group.values[at[i]]))
        return problems, total


def _schema_problems(schema: pa.DataFrameSchema, parsed: ParsedFile,
                     kind: CheckKind) -> tuple[list[Problem], int]:
    """Evaluate ``schema`` over the parsed table (every rule, every row: lazily); the first
    :data:`MAX_LOCATED_FAILURES` failures by line and column become located problems.
    Returns them and how many failures there are in all."""
    tally = FailureTally(kind)
    tally.add(columnar.failures(schema, parsed.table))
    return tally.problems(parsed)


def check_types(parsed: ParsedFile) -> tuple[list[Problem], int]:
    """Every value of ``parsed.table`` has its column's type (format)."""
    return _schema_problems(format_schema(parsed.feed), parsed, CheckKind.FORMAT)


def check_quality(parsed: ParsedFile,
                  references: Mapping[str, Collection[str]]) -> tuple[list[Problem], int]:
    """The contract's data-quality rules over ``parsed.table``, including references to the
    same day's feeds."""
    return _schema_problems(quality_schema(parsed.feed, references), parsed,
                            CheckKind.DATA_QUALITY)


class FileChecks:
    """:func:`check_types` and :func:`check_quality` of a file, given its tables in file
    order (:class:`~cistrade_core.gmp.parse.DataFileScan`): what each row passes on its
    own is checked table by table; only the columns that uniqueness and references within
    the file look at are kept, and checked once the file is read.

    ``references``: the values of the other feeds' columns this feed references (None:
    some are missing, so the quality is not checked). ``read_back``, given column names,
    returns those columns of every row added (as the staged file holds them): with it, a
    key whose rows come in key order is known unique as they come, and its columns are
    not kept; they are read back only if the order breaks.
    """

    def __init__(self, feed: Feed, references: Mapping[str, Collection[str]] | None,
                 read_back: Callable[[list[str]], pa_.Table] | None = None) -> None:
        self.feed = feed
        self.references = references
        self.types = FailureTally(CheckKind.FORMAT)
        self.quality = FailureTally(CheckKind.DATA_QUALITY)
        self._types = format_schema(feed)
        #: References to a column of the feed itself, by their key among the references.
        self._within = {f"{r.feed}.{r.column}": r.column for r in feed.references.values()
                        if r.feed == feed.name}
        self._rules = None if references is None else quality_schema(
            feed, {**references, **dict.fromkeys(self._within, pa_.array([], pa_.string()))})
        self._kept: dict[str, columnar.KeptColumn] = {}
        self._read_back = read_back
        self._orders: list[KeyOrder] = []
        if self._rules is not None:
            if read_back is not None:  # (a timestamp is read back canonical: not its text)
                timestamps = {c.name for c in feed.columns if c.type is ColumnType.TIMESTAMP}
                self._orders = [KeyOrder(key) for key in columnar.unique_keys(self._rules)
                                if not timestamps.intersection(key)]
            self._kept_names = self._whole_file_columns()
        self.rows = 0

    def _known_unique(self) -> list[tuple[str, ...]]:
        """The keys whose rows have come in key order so far."""
        return [order.columns for order in self._orders if order.holds]

    def _whole_file_columns(self) -> set[str]:
        """The columns the checks over the whole file look at, less those of the keys
        known unique so far."""
        return {*columnar.whole_file_columns(self._rules, self._known_unique()),
                *self._within.values()}

    @property
    def failed(self) -> bool:
        """Whether a value of the wrong type was found."""
        return bool(self.types.count)

    def add(self, table: pa_.Table, *, rules: bool = True) -> None:
        """The next rows of the file; ``rules`` False: the file fails already (its rules
        are not checked from here on)."""
        self.types.add(columnar.failures(self._types, table), self.rows)
        if not rules:
            self._rules = None
        if self._rules is not None:
            self.quality.add(columnar.failures(self._rules, table, columnar.ROWS), self.rows)
            for order in self._orders:
                order.add(table)
            for name in self.feed.column_names:
                if name in self._kept_names:
                    kept = self._kept.setdefault(
                        name, columnar.KeptColumn(table.schema.field(name).type))
                    kept.add(table.column(name))
        self.rows += table.num_rows

    def type_problems(self, parsed: ParsedFile) -> tuple[list[Problem], int]:
        return self.types.problems(parsed)

    def quality_problems(self, parsed: ParsedFile) -> tuple[list[Problem], int]:
        """The rules over the whole file (once every table has been added with its rules)."""
        if self._rules is None:
            raise RuntimeError("the rules were not checked over every table")
        needed = self._whole_file_columns()
        read_back = sorted(needed - self._kept_names)  # those of keys whose order broke
        back = self._read_back(read_back) if read_back else None
        if back is not None and back.num_rows != self.rows:
            raise RuntimeError(f"{self.feed.name}: {back.num_rows:,} rows read back, "
                               f"{self.rows:,} checked")

        def column(name: str) -> pa_.ChunkedArray:
            if name in read_back:
                return back.column(name)
            return self._kept[name].array() if name in self._kept else \
                pa_.chunked_array([], TEXT)

        known_unique = self._known_unique()
        # A column of a key still to check is hashed once: its numbers serve uniqueness
        # and references alike. One known unique is its own distinct values.
        numbered = {name for key in columnar.unique_keys(self._rules)
                    if key not in known_unique for name in key}
        distinct = {key[0] for key in known_unique if len(key) == 1}
        kept = pa_.table({name: columnar.encoded(column(name)) if name in numbered
                          else column(name) for name in self.feed.column_names
                          if name in needed})
        self._kept = {}
        within = {key: columnar.reference_values(kept.column(column), column in distinct)
                  for key, column in self._within.items()}
        rules = quality_schema(self.feed, {**self.references, **within})
        self.quality.add(columnar.failures(rules, kept, columnar.WHOLE, known_unique))
        return self.quality.problems(parsed)


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
