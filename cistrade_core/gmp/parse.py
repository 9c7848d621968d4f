"""Read a GMP data file into an Arrow table of text columns, noting every format problem.

The UTF-8 encoding, the line ends (``\n`` or ``\r\n``, the last line too), the
header and the field count of every line are checked here; value types and rules
are checked by :mod:`cistrade_core.gmp.schemas`.

What is read is bounded whatever the file holds: the header must end within
:data:`MAX_HEADER_BYTES`, no line may be longer than :data:`MAX_LINE_CHARS`
characters, a NUL byte is refused (no text feed has one), and the file is
streamed in chunks, so a 2 GB file of NULs is refused after its first 64 KiB.
"""

from __future__ import annotations

import codecs
import re
from collections import deque
from collections.abc import Iterator
from concurrent import futures
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from cistrade_core.feeds import ColumnType, Feed
from cistrade_core.gmp.problems import CheckKind, Problem
from cistrade_core.gmp.text import REPEATING, TEXT, plain_text

_CHUNK = 16 * 1024 * 1024
#: Bytes of a data file parsed at once (whole lines), and ranges parsed at once.
RANGE_BYTES = 8 * 1024 * 1024
PARSE_WORKERS = 2
_BOM = codecs.BOM_UTF8
#: The header line must end within this many bytes.
MAX_HEADER_BYTES = 64 * 1024
#: No line of a feed is longer (the widest contract line is a few hundred characters).
MAX_LINE_CHARS = 1024 * 1024
#: The lines read first to tell which columns repeat their values.
_SAMPLE_BYTES = 1024 * 1024
#: A column whose sampled lines hold at most this share of distinct values is read
#: dictionary-encoded: each distinct value is then held, and checked, once.
REPEATING_SHARE = 0.5


@dataclass(frozen=True)
class LineNumbers:
    """The physical line number of each of ``rows`` table rows, without an array of them.

    The data lines start at line 2; the table holds them all but the ``skipped`` ones
    (sorted line numbers: a wrong field count, a blank line). Indexed like an array:
    ``numbers[rows]`` for an index array, ``numbers[i]`` for one row.
    """

    rows: int
    skipped: np.ndarray

    def __len__(self) -> int:
        return self.rows

    def __getitem__(self, index):
        idx = np.asarray(index, dtype=np.int64)
        idx = np.where(idx < 0, idx + self.rows, idx)
        before = self.skipped - 2 - np.arange(len(self.skipped))   # kept rows before each skip
        lines = idx + 2 + np.searchsorted(before, idx, side="right")
        return int(lines) if lines.ndim == 0 else lines

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        lines = self[np.arange(self.rows)]
        return lines if dtype is None else lines.astype(dtype)

    def __iter__(self):
        return iter(np.asarray(self).tolist())

    def __contains__(self, line: object) -> bool:
        if not isinstance(line, (int, np.integer)):
            return False
        last = self.rows + len(self.skipped) + 1
        return 2 <= line <= last and not np.isin(line, self.skipped)

    def without(self, rows: np.ndarray) -> LineNumbers:
        """The numbers once the table rows ``rows`` are dropped too."""
        skipped = np.union1d(self.skipped, self[rows]).astype(np.int64)
        return LineNumbers(self.rows - len(rows), skipped)


@dataclass
class ParsedFile:
    """The rows that have the right shape, and where they came from."""

    feed: Feed
    path: Path
    table: pa.Table | None  # text columns (repeating ones dictionary-encoded), nulls for
    #                        empty fields
    data_lines: int  # lines after the header, good or bad
    line_numbers: np.ndarray | LineNumbers  # physical line number of each row of ``table``
    problems: list[Problem] = field(default_factory=list)
    readable: bool | None = None  # the lines were read (default: a table was kept)

    def __post_init__(self) -> None:
        if self.readable is None:
            self.readable = self.table is not None

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def rows(self) -> int | None:
        """Rows of the right shape, or None when the lines could not be read."""
        return len(self.line_numbers) if self.readable else None


#: UTF-8 continuation bytes: every other byte starts a character.
_CONTINUATION = bytes(range(0x80, 0xC0))
_BARE_CR = re.compile(rb"\r(?!\n)")


def _characters(data: bytes) -> int:
    return len(data.translate(None, _CONTINUATION))


def _incomplete_tail(data: bytes) -> int:
    """How many bytes at the end of ``data`` the next chunk may complete (a split
    character, or a carriage return whose line feed follows)."""
    if len(data) and data[-1] == 0x0D:  # "\r" (``data`` may be a memoryview)
        return 1
    for back in range(1, min(3, len(data)) + 1):
        byte = data[-back]
        if byte < 0x80:
            return 0
        if byte >= 0xC0:  # the start of a character: is it complete?
            needed = 2 if byte < 0xE0 else 3 if byte < 0xF0 else 4
            return back if needed > back else 0
    return 0


@dataclass
class _Cursor:
    """Where the next chunk starts: its byte offset, and the line it is in so far.

    Lines are counted only when a position is located (an offence is rare; counting
    every chunk's line ends is most of a clean file's cost).
    """

    path: Path
    names: list[str]
    consumed: int = 0  # bytes of the earlier chunks
    characters: int = 0  # characters of the current line in them
    fields: int = 0  # '|' seen on the line

    @property
    def line(self) -> int:
        """The number of the line the earlier chunks end in."""
        lines, left = 1, self.consumed
        with self.path.open("rb") as fh:
            while left > 0 and (block := fh.read(min(_CHUNK, left))):
                lines += block.count(b"\n")
                left -= len(block)
        return lines

    def locate(self, buf: bytes, pos: int) -> tuple[int, int, str | None]:
        """(line, character, column name) of byte ``pos`` of ``buf``."""
        head = buf[:pos]
        newline = head.rfind(b"\n")
        line, characters, fields = self.line, self.characters, self.fields
        if newline >= 0:
            line, characters, fields = line + head.count(b"\n"), 0, 0
            head = head[newline + 1:]
        field = fields + head.count(b"|")
        name = self.names[field] if field < len(self.names) else None
        return line, characters + _characters(head) + 1, name

    def advance(self, buf: bytes | bytearray, end: int | None = None) -> None:
        """Past the first ``end`` bytes of ``buf`` (all of it by default)."""
        end = len(buf) if end is None else end
        self.consumed += end
        newline = buf.rfind(b"\n", 0, end)
        if newline >= 0:
            self.characters = self.fields = 0
        tail = bytes(buf[newline + 1:end])  # the line the bytes end in
        self.characters += _characters(tail)
        self.fields += tail.count(b"|")


def _is_utf8(buf: bytes) -> bool:
    """Whether ``buf`` is strict UTF-8, checked by Arrow without copying it."""
    offsets = np.array([0, len(buf)], dtype=np.int64)
    text = pa.Array.from_buffers(pa.large_binary(), 1,
                                 [None, pa.py_buffer(offsets), pa.py_buffer(buf)])
    try:
        text.cast(pa.large_string())
    except pa.ArrowInvalid:
        return False
    return True


def _first_offence(buf: bytes | bytearray, end: int | None = None) -> tuple[int, str] | None:
    """Offset of the first bad byte of ``buf`` (of its first ``end`` bytes) and what is
    wrong (``{character}``: where)."""
    end = len(buf) if end is None else end
    view = memoryview(buf)[:end]
    offences = []
    try:
        if not _is_utf8(view):  # Arrow's check is fast; Python's says where and what
            str(view, "utf-8")
    except UnicodeDecodeError as exc:
        if exc.reason == "unexpected end of data":
            what = "file ends inside a UTF-8 character (expected UTF-8 text)"
        else:
            what = (f"invalid UTF-8 byte 0x{buf[exc.start]:02x} at character {{character}} "
                    "(expected UTF-8 text)")
        offences.append((exc.start, what))
    if (nul := buf.find(b"\x00", 0, end)) >= 0:
        offences.append((nul, "NUL byte at character {character} (expected text, which has "
                              "none)"))
    if buf.find(b"\r", 0, end) >= 0 and (bare := _BARE_CR.search(buf, 0, end)):
        offences.append((bare.start(), "carriage return without a line feed at character "
                                       "{character} (expected lines ending in \\n or "
                                       "\\r\\n)"))
    return min(offences) if offences else None


def _check_bytes(path: Path, names: list[str]) -> Problem | None:
    """Stream the file once: strict UTF-8, and no carriage return but in ``\\r\\n``.

    The first offence is located by line, character and column.
    """
    cursor = _Cursor(path, names)
    size = max(1, min(_CHUNK, path.stat().st_size))
    buffer = bytearray(size + 4)  # one buffer for every chunk, and the carried bytes
    view = memoryview(buffer)
    carried = 0
    with path.open("rb") as fh:
        while True:
            read = fh.readinto(view[carried:carried + size])
            end = carried + read
            if not end:
                break
            keep = _incomplete_tail(view[:end]) if read else 0  # nothing comes after the last
            usable = end - keep
            if offence := _first_offence(buffer, usable):
                pos, what = offence
                line, character, column = cursor.locate(bytes(view[:usable]), pos)
                return Problem(CheckKind.FORMAT, path.name, what.format(character=character),
                               line, column)
            cursor.advance(buffer, usable)
            if cursor.characters > MAX_LINE_CHARS:
                return Problem(CheckKind.FORMAT, path.name,
                               f"line longer than {MAX_LINE_CHARS:,} characters (expected at "
                               "most that)", cursor.line)
            view[:keep] = bytes(view[usable:end])
            carried = keep
            if not read:
                break
    return None


def _ends_in_newline(path: Path) -> bool:
    with path.open("rb") as fh:
        fh.seek(-1, 2)
        return fh.read(1) == b"\n"


def _header_unbounded(path: Path) -> Problem | None:
    """A problem when the first line does not end within :data:`MAX_HEADER_BYTES`."""
    with path.open("rb") as fh:
        first = fh.readline(MAX_HEADER_BYTES + 1)
    if len(first) > MAX_HEADER_BYTES:
        return Problem(CheckKind.FORMAT, path.name, f"no line end in the first "
                       f"{MAX_HEADER_BYTES:,} bytes; expected the header line", 1)
    return None


def _read_header(path: Path) -> tuple[str, int]:
    """The first line (a UTF-8 byte-order mark ignored), and its length in bytes."""
    with path.open("rb") as fh:
        first = fh.readline(MAX_HEADER_BYTES + 1)
    return first.removeprefix(_BOM).decode("utf-8", errors="replace").rstrip("\r\n"), len(first)


def read_data_file(feed: Feed, path: Path) -> ParsedFile:
    """Parse ``path`` as a data file of ``feed``; format problems are collected, not raised.

    The whole table is returned (one dictionary per repeating column); a check of a large
    file reads it range by range instead (:class:`DataFileScan`).
    """
    scan = DataFileScan(feed, path)
    parts = list(scan)
    table = None
    if scan.readable:
        table = pa.concat_tables(parts) if parts else scan.empty_table()
        if REPEATING in scan.types.values():  # one dictionary per column, not one per range
            table = table.unify_dictionaries()
    return scan.parsed(table)


class DataFileScan:
    """A data file of ``feed`` read range by range: iterate for the tables of its ranges
    (rows of the right shape, in file order), then :meth:`parsed` says what was read.

    The bytes, the header and each line's field count are checked as by
    :func:`read_data_file`; ranges of :data:`RANGE_BYTES` (whole lines) are parsed
    :data:`PARSE_WORKERS` at a time, so what is held at once does not grow with the file.
    """

    def __init__(self, feed: Feed, path: Path) -> None:
        self.feed, self.path = feed, path
        self.problems: list[Problem] = []
        self.data_lines = 0  # lines after the header read so far, good or bad
        self.rows = 0  # rows of the right shape yielded so far
        self.types: dict[str, pa.DataType] = {}
        self._skipped: list[np.ndarray] = []  # line numbers of bad and blank lines
        self._start = self._opening()

    @property
    def readable(self) -> bool:
        """Whether the lines were read (the bytes and header are right)."""
        return self._start is not None

    def _opening(self) -> int | None:
        """Where the data lines start, or None when the file cannot be read as lines."""
        path = self.path
        if path.stat().st_size == 0:
            return None  # no header, no data: an empty file
        for problem in (_header_unbounded(path), _check_bytes(path, self.feed.column_names)):
            if problem:
                self.problems.append(problem)
                return None
        header, length = _read_header(path)
        if header != self.feed.header:
            self.problems.append(Problem(
                CheckKind.FORMAT, path.name, f"header must be exactly {self.feed.header!r}", 1,
                None, header,
            ))
            return None
        self.types = _column_types(path, self.feed.column_names)
        return length

    def empty_table(self) -> pa.Table:
        return pa.table({name: pa.array([], kind) for name, kind in self.types.items()})

    def __iter__(self) -> Iterator[pa.Table]:
        if self._start is None:
            return
        names = self.feed.column_names
        with ThreadPoolExecutor(PARSE_WORKERS, thread_name_prefix="parse") as pool:
            pending: deque[futures.Future] = deque()
            try:
                for span in _ranges(self.path, self._start):
                    pending.append(pool.submit(_read_range, self.path, span, self.types))
                    if len(pending) > PARSE_WORKERS:  # one range checked, the next ones read
                        yield self._take(*pending.popleft().result())
                while pending:
                    yield self._take(*pending.popleft().result())
            except pa.ArrowInvalid as exc:  # located by Arrow only
                self._start, self.data_lines, self.rows, self._skipped = None, 0, 0, []
                self.problems = [Problem(CheckKind.FORMAT, self.path.name,
                                         f"cannot be split into lines of {len(names)} fields "
                                         f"as expected: {exc}"[:200])]
            finally:
                for future in pending:
                    future.cancel()

    def _take(self, table: pa.Table, bad: list[tuple[int, int, str]]) -> pa.Table:
        """A range's rows of the right shape; its bad and blank lines become problems."""
        names = self.feed.column_names
        first = self.data_lines + 2  # the range's first line in the file
        self.data_lines += table.num_rows + len(bad)
        lines = np.array([first + number - 1 for number, _, _ in bad], dtype=np.int64)
        self.problems += [
            Problem(CheckKind.FORMAT, self.path.name,
                    f"expected {len(names)} fields separated by '|', found {actual}",
                    first + number - 1, None, text[:80])
            for number, actual, text in bad
        ]
        # A blank line parses as a row of nulls with the right width: it is a format error.
        if table.num_rows and table.column(0).null_count:
            blank = pc.is_null(table.column(0))
            for name in names[1:]:
                blank = pc.and_(blank, pc.is_null(table.column(name)))
            if pc.any(blank).as_py():
                blank_idx = np.flatnonzero(blank.to_numpy(zero_copy_only=False))
                local = LineNumbers(table.num_rows, lines - first + 2)
                blank_lines = local[blank_idx] + first - 2
                self.problems += [
                    Problem(CheckKind.FORMAT, self.path.name,
                            f"blank line (expected {len(names)} fields)", int(line))
                    for line in blank_lines
                ]
                table = table.filter(pc.invert(blank))
                lines = local.without(blank_idx).skipped + first - 2
        if len(lines):
            self._skipped.append(lines)
        self.rows += table.num_rows
        return table

    def line_numbers(self) -> LineNumbers:
        """The line number of each row yielded so far."""
        skipped = (np.concatenate(self._skipped) if self._skipped
                   else np.empty(0, dtype=np.int64))
        return LineNumbers(self.rows, np.sort(skipped))

    def parsed(self, table: pa.Table | None = None) -> ParsedFile:
        """What was read, once every range has been: ``table`` is the rows yielded (None
        when not kept, or when the lines could not be read)."""
        problems = list(self.problems)
        if self.readable and not _ends_in_newline(self.path):
            problems.append(Problem(CheckKind.FORMAT, self.path.name,
                                    "the last line does not end in \\n or \\r\\n as "
                                    "expected (file cut short?)", self.data_lines + 1))
        problems.sort(key=lambda p: p.line or 0)
        return ParsedFile(self.feed, self.path, table if self.readable else None,
                          self.data_lines, self.line_numbers(), problems, self.readable)


def _ranges(path: Path, start: int) -> Iterator[tuple[int, int]]:
    """Byte ranges of whole lines from ``start``, each about :data:`RANGE_BYTES` long."""
    size = path.stat().st_size
    with path.open("rb") as fh:
        while start < size:
            end = min(start + RANGE_BYTES, size)
            if end < size:  # on to the end of the line the range ends in
                fh.seek(end - 1)
                fh.readline()
                end = fh.tell()
            yield start, end
            start = end


def _read_range(path: Path, span: tuple[int, int],
                types: dict[str, pa.DataType]) -> tuple[pa.Table, list[tuple[int, int, str]]]:
    """The lines of one byte range as text columns of ``types`` (one block, one thread: the
    ranges are read in parallel), and its lines of the wrong width by their number in it."""
    start, end = span
    with pa.OSFile(str(path)) as fh:  # into Arrow's memory pool, as the parse is
        fh.seek(start)
        data = fh.read_buffer(end - start)
    bad: list[tuple[int, int, str]] = []

    def on_invalid_row(row: pacsv.InvalidRow) -> str:
        bad.append((row.number, row.actual_columns, row.text))
        return "skip"

    options = _options(types, on_invalid_row, block_size=data.size + 1)
    return pacsv.read_csv(pa.BufferReader(data), **options), bad


def _options(types: dict[str, pa.DataType], on_invalid_row, *,
             block_size: int = 8 << 20) -> dict:
    """How a range of lines is read: one thread, whole lines after the header; the bytes
    are UTF-8 already (:func:`_check_bytes` checked them), so they are not checked again."""
    return {
        "read_options": pacsv.ReadOptions(column_names=list(types), use_threads=False,
                                          block_size=block_size),
        "parse_options": pacsv.ParseOptions(delimiter="|", quote_char=False, escape_char=False,
                                            ignore_empty_lines=False,
                                            invalid_row_handler=on_invalid_row),
        "convert_options": pacsv.ConvertOptions(column_types=types, strings_can_be_null=True,
                                                null_values=[""],
                                                quoted_strings_can_be_null=False,
                                                check_utf8=False),
    }


def _column_types(path: Path, names: list[str]) -> dict[str, pa.DataType]:
    """Text for every column; dictionary-encoded text for those whose first lines repeat
    values (a code, a date, a status): which columns those are changes how they are held,
    never what is read or how it is checked."""
    with path.open("rb") as fh:
        fh.readline(MAX_HEADER_BYTES + 1)
        sample = fh.read(_SAMPLE_BYTES)
    sample = sample[:sample.rfind(b"\n") + 1]
    types = dict.fromkeys(names, TEXT)
    try:
        table = pacsv.read_csv(pa.py_buffer(sample),
                               **_options(types, lambda row: "skip"))
    except pa.ArrowInvalid:  # the full read says what is wrong
        return types
    if table.num_rows < 2:
        return types
    for name in names:
        if pc.count_distinct(table.column(name), mode="all").as_py() <= (
                table.num_rows * REPEATING_SHARE):
            types[name] = REPEATING
    return types


def canonical_timestamps(feed: Feed, table: pa.Table) -> pa.Table:
    """``table`` with every checked timestamp written ``...Z`` (``+00:00`` is the same UTC)."""
    for i, col in enumerate(feed.columns):
        if col.type is ColumnType.TIMESTAMP:
            text = pc.replace_substring_regex(plain_text(table.column(i)), r"\+00:00$", "Z")
            table = table.set_column(i, col.name, text)
    return table
