"""Read a GMP data file into an Arrow table of text columns, noting every format problem.

The header, the field count of every line and the UTF-8 encoding are checked
here; value types and rules are checked by :mod:`cistrade_core.gmp.schemas`.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from cistrade_core.feeds import Feed
from cistrade_core.gmp.problems import CheckKind, Problem

_CHUNK = 16 * 1024 * 1024
_BOM = codecs.BOM_UTF8


@dataclass
class ParsedFile:
    """The rows that have the right shape, and where they came from."""

    feed: Feed
    path: Path
    table: pa.Table | None  # text columns, nulls for empty fields
    data_lines: int  # lines after the header, good or bad
    line_numbers: np.ndarray  # physical line number of each row of ``table``
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _check_utf8(path: Path) -> Problem | None:
    """Stream the file through a strict UTF-8 decoder; locate the first bad byte."""
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    offset = 0
    line = 1
    line_start = 0
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            try:
                decoder.decode(chunk, final=False)
            except UnicodeDecodeError as exc:
                bad = offset + exc.start
                head = chunk[: exc.start]
                line += head.count(b"\n")
                last_nl = head.rfind(b"\n")
                if last_nl >= 0:
                    line_start = offset + last_nl + 1
                col = bad - line_start + 1
                return Problem(CheckKind.FORMAT, path.name,
                               f"invalid UTF-8 byte 0x{chunk[exc.start]:02x} at character {col}",
                               line)
            line += chunk.count(b"\n")
            last_nl = chunk.rfind(b"\n")
            if last_nl >= 0:
                line_start = offset + last_nl + 1
            offset += len(chunk)
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return Problem(CheckKind.FORMAT, path.name, "file ends inside a UTF-8 character", line)
    return None


def _read_header(path: Path) -> str | None:
    with path.open("rb") as fh:
        first = fh.readline()
    if not first:
        return None
    if first.startswith(_BOM):
        first = first[len(_BOM):]
    return first.decode("utf-8").rstrip("\r\n")


def read_data_file(feed: Feed, path: Path) -> ParsedFile:
    """Parse ``path`` as a data file of ``feed``; format problems are collected, not raised."""
    empty = ParsedFile(feed, path, None, 0, np.empty(0, dtype=np.int64))
    if path.stat().st_size == 0:
        return empty  # no header, no data: an empty file
    encoding = _check_utf8(path)
    if encoding:
        empty.problems.append(encoding)
        return empty
    header = _read_header(path)
    if header != feed.header:
        empty.problems.append(Problem(
            CheckKind.FORMAT, path.name, f"header must be exactly {feed.header!r}", 1, None,
            header,
        ))
        return empty

    bad_rows: list[tuple[int, int, str]] = []

    def on_invalid_row(row: pacsv.InvalidRow) -> str:
        bad_rows.append((row.number, row.actual_columns, row.text))
        return "skip"

    names = feed.column_names
    table = pacsv.read_csv(
        path,
        read_options=pacsv.ReadOptions(skip_rows=1, column_names=names, use_threads=False,
                                       block_size=8 << 20),
        parse_options=pacsv.ParseOptions(delimiter="|", quote_char=False, escape_char=False,
                                         ignore_empty_lines=False,
                                         invalid_row_handler=on_invalid_row),
        convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names},
                                             strings_can_be_null=True, null_values=[""],
                                             quoted_strings_can_be_null=False),
    )
    problems = [
        Problem(CheckKind.FORMAT, path.name,
                f"expected {len(names)} fields separated by '|', found {actual}", number, None,
                text[:80])
        for number, actual, text in bad_rows
    ]
    total = table.num_rows + len(bad_rows)
    bad_lines = np.array(sorted(n for n, _, _ in bad_rows), dtype=np.int64)
    all_lines = np.arange(2, total + 2, dtype=np.int64)
    line_numbers = np.setdiff1d(all_lines, bad_lines, assume_unique=True) if len(bad_lines) \
        else all_lines

    # A blank line parses as a row of nulls with the right width: it is a format error.
    if table.num_rows:
        blank = pc.is_null(table.column(0))
        for name in names[1:]:
            blank = pc.and_(blank, pc.is_null(table.column(name)))
        if pc.any(blank).as_py():
            keep = pc.invert(blank)
            blank_idx = np.flatnonzero(blank.to_numpy(zero_copy_only=False))
            problems.extend(
                Problem(CheckKind.FORMAT, path.name,
                        f"blank line (expected {len(names)} fields)", int(line_numbers[i]))
                for i in blank_idx
            )
            table = table.filter(keep)
            line_numbers = np.delete(line_numbers, blank_idx)
    problems.sort(key=lambda p: p.line or 0)
    return ParsedFile(feed, path, table, total, line_numbers, problems)
