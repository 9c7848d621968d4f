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

    @property
    def ok(self) -> bool:
        return not self.problems


#: UTF-8 continuation bytes: every other byte starts a character.
_CONTINUATION = bytes(range(0x80, 0xC0))
_BARE_CR = re.compile(rb"\r(?!\n)")


def _characters(data: bytes) -> int:
    return len(data.translate(None, _CONTINUATION))


def _incomplete_tail(data: bytes) -> int:
    """How many bytes at the end of ``data`` the next chunk may complete (a split
    character, or a carriage return whose line feed follows)."""
    if data.endswith(b"\r"):
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

    def advance(self, buf: bytes) -> None:
        self.consumed += len(buf)
        newline = buf.rfind(b"\n")
        if newline >= 0:
            self.characters = self.fields = 0
            buf = buf[newline + 1:]
        self.characters += _characters(buf)
        self.fields += buf.count(b"|")


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


def _first_offence(buf: bytes) -> tuple[int, str] | None:
    """Offset of the first bad byte of ``buf`` and what is wrong (``{character}``: where)."""
    offences = []
    try:
        if not _is_utf8(buf):  # Arrow's check is fast; Python's says where and what
            buf.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.reason == "unexpected end of data":
            what = "file ends inside a UTF-8 character (expected UTF-8 text)"
        else:
            what = (f"invalid UTF-8 byte 0x{buf[exc.start]:02x} at character {{character}} "
                    "(expected UTF-8 text)")
        offences.append((exc.start, what))
    if b"\x00" in buf:
        offences.append((buf.index(b"\x00"), "NUL byte at character {character} (expected "
                                              "text, which has none)"))
    if b"\r" in buf and (bare := _BARE_CR.search(buf)):
        offences.append((bare.start(), "carriage return without a line feed at character "
                                       "{character} (expected lines ending in \\n or "
                                       "\\r\\n)"))
    return min(offences) if offences else None


def _check_bytes(path: Path, names: list[str]) -> Problem | None:
    """Stream the file once: strict UTF-8, and no carriage return but in ``\\r\\n``.

    The first offence is located by line, character and column.
    """
    cursor = _Cursor(path, names)
    carry = b""
    with path.open("rb") as fh:
        while True:
            chunk = fh.read(_CHUNK)
            buf = carry + chunk
            if not buf:
                break
            keep = _incomplete_tail(buf) if chunk else 0  # nothing comes after the last chunk
            buf, carry = buf[:len(buf) - keep], buf[len(buf) - keep:]
            if offence := _first_offence(buf):
                pos, what = offence
                line, character, column = cursor.locate(buf, pos)
                return Problem(CheckKind.FORMAT, path.name, what.format(character=character),
                               line, column)
            cursor.advance(buf)
            if cursor.characters > MAX_LINE_CHARS:
                return Problem(CheckKind.FORMAT, path.name,
                               f"line longer than {MAX_LINE_CHARS:,} characters (expected at "
                               "most that)", cursor.line)
            if not chunk:
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


def _read_header(path: Path) -> str | None:
    with path.open("rb") as fh:
        first = fh.readline(MAX_HEADER_BYTES + 1)
    if not first:
        return None
    if first.startswith(_BOM):
        first = first[len(_BOM):]
    return first.decode("utf-8", errors="replace").rstrip("\r\n")


def read_data_file(feed: Feed, path: Path) -> ParsedFile:
    """Parse ``path`` as a data file of ``feed``; format problems are collected, not raised."""
    empty = ParsedFile(feed, path, None, 0, LineNumbers(0, np.empty(0, dtype=np.int64)))
    if path.stat().st_size == 0:
        return empty  # no header, no data: an empty file
    unbounded = _header_unbounded(path)
    if unbounded:
        empty.problems.append(unbounded)
        return empty
    encoding = _check_bytes(path, feed.column_names)
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
    try:
        types = _column_types(path, names)
        table = _read_table(path, types, on_invalid_row, threads=True)
        if bad_rows:  # rare: read again in one thread, which knows each line's number
            bad_rows.clear()
            table = _read_table(path, types, on_invalid_row, threads=False)
        if REPEATING in types.values():  # one dictionary per column, not one per block
            table = table.unify_dictionaries()
    except pa.ArrowInvalid as exc:  # e.g. a line wider than a block: located by Arrow only
        empty.problems.append(Problem(CheckKind.FORMAT, path.name,
                                      f"cannot be split into lines of {len(names)} fields as "
                                      f"expected: {exc}"[:200]))
        return empty
    problems = [
        Problem(CheckKind.FORMAT, path.name,
                f"expected {len(names)} fields separated by '|', found {actual}", number, None,
                text[:80])
        for number, actual, text in bad_rows
    ]
    total = table.num_rows + len(bad_rows)
    line_numbers = LineNumbers(table.num_rows,
                               np.array(sorted(n for n, _, _ in bad_rows), dtype=np.int64))

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
            line_numbers = line_numbers.without(blank_idx)
    if not _ends_in_newline(path):
        problems.append(Problem(CheckKind.FORMAT, path.name,
                                "the last line does not end in \\n or \\r\\n as expected (file "
                                "cut short?)",
                                total + 1))
    problems.sort(key=lambda p: p.line or 0)
    return ParsedFile(feed, path, table, total, line_numbers, problems)


def _options(types: dict[str, pa.DataType], on_invalid_row, *, threads: bool,
             skip_rows: int = 1) -> dict:
    names = list(types)
    return {
        "read_options": pacsv.ReadOptions(skip_rows=skip_rows, column_names=names,
                                          use_threads=threads, block_size=8 << 20),
        "parse_options": pacsv.ParseOptions(delimiter="|", quote_char=False, escape_char=False,
                                            ignore_empty_lines=False,
                                            invalid_row_handler=on_invalid_row),
        "convert_options": pacsv.ConvertOptions(column_types=types, strings_can_be_null=True,
                                                null_values=[""],
                                                quoted_strings_can_be_null=False),
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
                               **_options(types, lambda row: "skip", threads=False,
                                          skip_rows=0))
    except pa.ArrowInvalid:  # the full read says what is wrong
        return types
    if table.num_rows < 2:
        return types
    for name in names:
        if pc.count_distinct(table.column(name), mode="all").as_py() <= (
                table.num_rows * REPEATING_SHARE):
            types[name] = REPEATING
    return types


def _read_table(path: Path, types: dict[str, pa.DataType], on_invalid_row, *,
                threads: bool) -> pa.Table:
    """The data lines as text columns of ``types``; rows of the wrong width go to
    ``on_invalid_row`` (with their line number only when read in one thread)."""
    return pacsv.read_csv(path, **_options(types, on_invalid_row, threads=threads))


def canonical_timestamps(feed: Feed, table: pa.Table) -> pa.Table:
    """``table`` with every checked timestamp written ``...Z`` (``+00:00`` is the same UTC)."""
    for i, col in enumerate(feed.columns):
        if col.type is ColumnType.TIMESTAMP:
            text = pc.replace_substring_regex(plain_text(table.column(i)), r"\+00:00$", "Z")
            table = table.set_column(i, col.name, text)
    return table
