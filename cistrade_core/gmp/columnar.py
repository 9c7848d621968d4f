"""The pandera schemas' rules evaluated over whole Arrow columns at once.

:mod:`cistrade_core.gmp.schemas` is the readable statement of every rule. This
module walks such a schema and evaluates each of its checks with Arrow compute
over the parsed table (no pandas copy, no Python loop over rows), and yields the
failing rows with pandera's check names: ``not_nullable``, ``field_uniqueness``,
``multiple_fields_uniqueness``, or the check's ``error``. As in pandera, a
check ignores empty values, a unique column ignores empty values, a key of
several columns counts empty values as equal, and a check across columns reports
the column it is about (its ``statistics["column"]``).

Every check of a schema must have an evaluator here (:data:`EVALUATORS`, by
the check's name); one without is refused, never skipped. A dictionary-encoded
column (:func:`cistrade_core.gmp.parse.read_data_file` reads repeating columns
so) has each check evaluated once per distinct value, and the outcome spread to
its rows.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from cistrade_core.errors import CoreError
from cistrade_core.feeds import ColumnType
from cistrade_core.feeds.spec import TYPE_PATTERNS
from cistrade_core.gmp.lei import lei_valid
from cistrade_core.gmp.text import plain_text

_DATE_FORMAT = "%Y-%m-%d"
_SECOND_FORMAT = "%Y-%m-%dT%H:%M:%S"

Values = pa.Array | pa.ChunkedArray


class UnsupportedCheck(CoreError, ValueError):
    """A schema check with no columnar evaluator."""


@dataclass(frozen=True)
class Failures:
    """The rows of a table failing one check of one column."""

    column: str
    check: str  # pandera's name of the check: its error, or e.g. "not_nullable"
    rows: np.ndarray  # row positions in the table, ascending
    values: Values | None  # the column, to quote failing values (None: nothing to quote)
    order: int = 0  # the check's place among all checks of the schema (see failures)


def _mask(values: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """A boolean Arrow result as numpy, nulls as False."""
    return np.asarray(pc.fill_null(values, False).to_numpy(zero_copy_only=False), dtype=bool)


def _same_fields(text: Values, parsed: Values, fields: list[tuple[str, int, int]]) -> Values:
    """True where each ``(field, start, end)`` of ``parsed`` equals the number written at
    ``text[start:end]``: strptime rolls 2026-02-30 over to 2026-03-02, a real one does not."""
    same = pc.is_valid(parsed)
    for field, start, end in fields:
        written = pc.cast(pc.utf8_slice_codeunits(text, start, end), pa.int64(), safe=False)
        same = pc.and_(same, pc.equal(getattr(pc, field)(parsed), written))
    return same


_DATE_FIELDS = [("year", 0, 4), ("month", 5, 7), ("day", 8, 10)]
_SECOND_FIELDS = [*_DATE_FIELDS, ("hour", 11, 13), ("minute", 14, 16), ("second", 17, 19)]


def _real(text: Values, pattern: str, width: int, fmt: str,
          fields: list[tuple[str, int, int]], exact: pa.DataType) -> Values:
    shaped = pc.fill_null(pc.match_substring_regex(text, pattern), False)
    head = pc.if_else(shaped, pc.utf8_slice_codeunits(text, 0, width), None)  # digits only
    try:  # the usual case, fast: Arrow's cast refuses any day or time that does not exist
        pc.cast(head, exact)
        real = pc.is_valid(head)
    except pa.ArrowInvalid:  # some do not: which ones
        parsed = pc.strptime(head, format=fmt, unit="s", error_is_null=True)
        real = pc.fill_null(_same_fields(head, parsed, fields), False)
    return pc.if_else(pc.is_null(text), None, pc.and_(shaped, real))


def _after_year_zero(text: Values, real: Values) -> Values:
    """``real`` where the year is 0001 or later: Arrow and DuckDB take year 0000 (1 BC),
    which no Python date, and so no reader of the warehouse, can hold."""
    return pc.and_(real, pc.invert(pc.starts_with(text, "0000")))


def is_real_date(text: Values) -> Values:
    """YYYY-MM-DD naming a real day (2026-02-30 is not); nulls stay null."""
    try:  # the usual case, fastest: Arrow's cast takes exactly a real YYYY-MM-DD
        pc.cast(text, pa.date32())
    except pa.ArrowInvalid:  # some value is not one: which ones
        pass
    else:
        return _after_year_zero(text, pc.if_else(pc.is_null(text), None, pc.is_valid(text)))
    return _after_year_zero(text, _real(text, TYPE_PATTERNS[ColumnType.DATE], 10,
                                        _DATE_FORMAT, _DATE_FIELDS, pa.date32()))


def is_utc_timestamp(text: Values) -> Values:
    """ISO-8601 in UTC, to the second or a fraction of it, naming a real instant."""
    return _after_year_zero(text, _real(text, TYPE_PATTERNS[ColumnType.TIMESTAMP], 19,
                                        _SECOND_FORMAT, _SECOND_FIELDS, pa.timestamp("s")))


def in_range(text: Values, lo: int | None, hi: int | None) -> Values:
    """A whole number between ``lo`` and ``hi`` (either may be open); nulls stay null."""
    whole = pc.fill_null(pc.match_substring_regex(text, TYPE_PATTERNS[ColumnType.INT]), False)
    number = pc.cast(pc.if_else(whole, text, None), pa.float64())
    ok = whole
    if lo is not None:
        ok = pc.and_(ok, pc.fill_null(pc.greater_equal(number, lo), False))
    if hi is not None:
        ok = pc.and_(ok, pc.fill_null(pc.less_equal(number, hi), False))
    return pc.if_else(pc.is_null(text), None, ok)


def _str_length(values: Values, stats: dict) -> Values:
    length = pc.utf8_length(values)
    if stats.get("exact_value") is not None:
        return pc.equal(length, stats["exact_value"])
    ok = pc.is_valid(values)
    if stats.get("min_value") is not None:
        ok = pc.and_(ok, pc.greater_equal(length, stats["min_value"]))
    if stats.get("max_value") is not None:
        ok = pc.and_(ok, pc.less_equal(length, stats["max_value"]))
    return ok


def _str_matches(values: Values, stats: dict) -> Values:
    pattern = getattr(stats["pattern"], "pattern", stats["pattern"])
    # pandas' str.match anchors at the start only.
    return pc.match_substring_regex(values, pattern if pattern.startswith("^")
                                    else f"^(?:{pattern})")


class SharedValues:
    """Allowed values held as one Arrow array that copies of a schema share (pandera
    deep-copies a schema's checks as it builds the schema)."""

    __slots__ = ("values",)

    def __init__(self, values: Values) -> None:
        self.values = values

    def __deepcopy__(self, memo: dict) -> SharedValues:
        return self


def value_set(allowed: Collection[str] | Values | SharedValues) -> Values:
    """Allowed values as an Arrow array of text."""
    if isinstance(allowed, SharedValues):
        return allowed.values
    if isinstance(allowed, pa.Array | pa.ChunkedArray):
        return allowed
    return pa.array(list(allowed), pa.string())


def _isin(values: Values, stats: dict) -> Values:
    allowed = value_set(stats["allowed_values"])
    if len(allowed) > 4 * len(values):  # hash the few values, not the many allowed
        values = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
        allowed = allowed.filter(pc.fill_null(pc.is_in(allowed, value_set=values), False))
    return pc.is_in(values, value_set=allowed)


def _lei(values: Values, stats: dict) -> Values:
    return pa.array(lei_valid(values))


#: Column checks by name: (values, the check's statistics) -> passes (null: not looked at).
EVALUATORS: dict[str, Callable[[Values, dict], Values]] = {
    "str_length": _str_length,
    "str_matches": _str_matches,
    "isin": _isin,
    "reference": _isin,
    "real_date": lambda values, stats: is_real_date(values),
    "utc_timestamp": lambda values, stats: is_utc_timestamp(values),
    "in_range": lambda values, stats: in_range(values, stats["min_value"], stats["max_value"]),
    "lei_check_digits": _lei,
}


def _unified(values: Values) -> Values:
    """A dictionary-encoded column with one dictionary for all its chunks."""
    if isinstance(values, pa.ChunkedArray) and values.num_chunks > 1:
        first = values.chunks[0].dictionary
        if not all(c.dictionary.equals(first) for c in values.chunks[1:]):
            return values.unify_dictionaries()
    return values


def _dictionary(values: Values) -> tuple[pa.Array, list[pa.Array]]:
    """The one dictionary of a unified dictionary-encoded column, and its chunks' indices."""
    chunks = values.chunks if isinstance(values, pa.ChunkedArray) else [values]
    if not chunks:
        return pa.array([], values.type.value_type), []
    return chunks[0].dictionary, [c.indices for c in chunks]


def encoded(values: Values) -> Values:
    """``values`` dictionary-encoded (as they are if they are already): text is hashed
    once, and its numbers serve every check over the column."""
    if pa.types.is_dictionary(values.type):
        return values
    # One array: encoding the chunks one by one would give each the dictionary of all
    # values so far (a copy of the growing dictionary per chunk).
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    return pc.dictionary_encode(values)


def _numbering(values: Values) -> tuple[int, Iterator[np.ndarray]]:
    """How many numbers the distinct values of ``values`` take (nulls: one more), and each
    chunk's values as those numbers, chunk by chunk (a chunk's worth at a time). Chunks
    with dictionaries of their own are numbered by one dictionary of all their values."""
    values = encoded(values)
    chunks = values.chunks if isinstance(values, pa.ChunkedArray) else [values]
    if not chunks:
        return 1, iter(())
    first = chunks[0].dictionary
    if all(c.dictionary is first or c.dictionary.equals(first) for c in chunks[1:]):
        dictionary, renumber = first, None
    else:
        dictionary = pc.unique(pa.chunked_array([c.dictionary for c in chunks]))
        dictionary = dictionary.combine_chunks() if isinstance(dictionary, pa.ChunkedArray) \
            else dictionary
        renumber = [pc.index_in(c.dictionary, value_set=dictionary) for c in chunks]
    size = len(dictionary)

    def numbers() -> Iterator[np.ndarray]:
        for i, chunk in enumerate(chunks):
            indices = chunk.indices if renumber is None else renumber[i].take(chunk.indices)
            if indices.null_count:
                indices = pc.fill_null(indices, size)
            yield indices.to_numpy(zero_copy_only=False)

    return size + 1, numbers()


#: Keys numbered below this are counted directly; larger ones are renumbered first.
_MAX_SPAN = 1 << 62
_INT32 = np.iinfo(np.int32).max


def _duplicated(columns: list[Values]) -> np.ndarray:
    """Rows whose values (together) occur more than once; empty values count as equal."""
    return _repeated(lambda: _key(columns))


def _key(columns: list[Values]) -> tuple[np.ndarray, int]:
    """The rows' values of ``columns`` as one number each, and how many numbers there are.

    Each column's values are numbered (Arrow's dictionary encoding) and the numbers
    combined into one key in place, a chunk at a time (32 bits while the numbers fit);
    the key is renumbered only when it would overflow 64 bits.
    """
    span, numbers = _numbering(columns[0])
    key = np.empty(len(columns[0]), dtype=np.int32 if span <= _INT32 else np.int64)
    at = 0
    for part in numbers:
        key[at:at + len(part)] = part
        at += len(part)
    for values in columns[1:]:
        size, numbers = _numbering(values)
        if span * size >= _MAX_SPAN:
            uniques, key = np.unique(key, return_inverse=True)
            span = len(uniques)
        if span * size > _INT32 and key.dtype != np.int64:
            key = key.astype(np.int64)
        at = 0
        for part in numbers:  # key = key * size + number, in place
            segment = key[at:at + len(part)]
            segment *= size
            segment += part
            at += len(part)
        span *= size
    return key, span


#: Neighbours of a sorted key compared at once (what the comparison holds is this size).
_STEP = 1 << 20


def _repeated(make_key: Callable[[], tuple[np.ndarray, int]]) -> np.ndarray:
    """Where the key that ``make_key`` builds (a new array, and how many numbers it
    takes) holds a value that occurs more than once.

    With no more numbers than rows each number is counted; otherwise the key is sorted in
    place (no copy of it) and built again, for the rows, only when a value repeats.
    """
    key, span = make_key()
    if span <= len(key) + 1024:  # no more numbers than rows: count each one
        counts = np.bincount(key, minlength=span)
        repeated = counts > 1
        del counts
        return repeated[key]
    key.sort()
    repeats = [part[1:][part[1:] == part[:-1]]
               for part in (key[at:at + _STEP + 1] for at in range(0, len(key) - 1, _STEP))]
    repeats = [part for part in repeats if len(part)]
    rows = len(key)
    del key
    if not repeats:
        return np.zeros(rows, dtype=bool)
    key, _ = make_key()
    return np.isin(key, np.unique(np.concatenate(repeats)))


def _valid(values: Values) -> np.ndarray:
    if not values.null_count:
        return np.ones(len(values), dtype=bool)
    return _mask(pc.is_valid(values))


_SET_LOOKUPS = {EVALUATORS["isin"], EVALUATORS["reference"]}


def _by_value(evaluate: Callable[[Values, dict], Values], values: Values,
              stats: dict) -> np.ndarray:
    """A column check of each row of a dictionary-encoded column: evaluated on the
    distinct values, then looked up by each row's index (a null row stays null)."""
    dictionary, chunks = _dictionary(_unified(values))
    passes = _mask(evaluate(dictionary, stats))
    if not chunks:
        return np.zeros(0, dtype=bool)
    if passes.all():        # every distinct value passes: so does every row but a null one
        return _valid(values)
    outcome = pa.array(passes)
    return np.concatenate([_mask(outcome.take(indices)) for indices in chunks])


def _chunk_by_chunk(evaluate: Callable[[Values, dict], Values], values: Values,
                    stats: dict) -> np.ndarray:
    """A column check of each row, evaluated one chunk of the column at a time (what it
    builds on the way is then the size of one chunk, not of the column)."""
    if pa.types.is_dictionary(values.type):
        return _by_value(evaluate, values, stats)
    if (not isinstance(values, pa.ChunkedArray) or values.num_chunks < 2
            or evaluate in _SET_LOOKUPS):  # a set is hashed once per call: once for all rows
        return _mask(evaluate(values, stats))
    return np.concatenate([_mask(evaluate(chunk, stats)) for chunk in values.chunks])


#: :func:`failures` of the checks each row passes or fails on its own (a file can be
#: checked a part at a time), or of those that look at the whole file: uniqueness, and a
#: reference to a column of the same file (:data:`WITHIN_FEED`).
ROWS, WHOLE = "rows", "whole"
#: Statistic of a reference check whose allowed values come from the file checked.
WITHIN_FEED = "within_feed"


def _whole_file(check) -> bool:
    return check.name == "reference" and bool((check.statistics or {}).get(WITHIN_FEED))


def unique_keys(schema) -> list[tuple[str, ...]]:
    """The keys ``schema`` holds unique: its key of several columns, each unique column."""
    keys = [tuple(schema.unique)] if schema.unique else []
    return keys + [(name,) for name, column in schema.columns.items() if column.unique]


def whole_file_columns(schema, known_unique: Collection[tuple[str, ...]] = ()) -> list[str]:
    """The columns the :data:`WHOLE` checks of ``schema`` look at (those of the
    ``known_unique`` keys not checked: see :func:`failures`)."""
    names = {name for key in unique_keys(schema) if key not in known_unique for name in key}
    for name, column in schema.columns.items():
        if any(_whole_file(c) for c in column.checks):
            names.add(name)
    return [name for name in schema.columns if name in names]


def failures(schema, table: pa.Table, scope: str | None = None,
             known_unique: Collection[tuple[str, ...]] = ()) -> Iterator[Failures]:
    """The failing rows of ``table`` for every check of the pandera ``schema``, in pandera's
    order: the schema-wide checks (key of several columns, checks across columns), then
    column by column: empty values, duplicates, then its checks as declared.

    ``scope`` :data:`ROWS` or :data:`WHOLE` evaluates only those checks (for
    :data:`WHOLE`, ``table`` need only hold :func:`whole_file_columns`); each
    :attr:`Failures.order` is the check's place in the order of all of them. The keys of
    :func:`unique_keys` in ``known_unique`` are known to hold no value twice (their rows
    come in key order: :mod:`cistrade_core.gmp.key_order`), so they are not checked.
    """
    names = list(schema.columns)
    if scope == WHOLE:
        missing = set(whole_file_columns(schema, known_unique)) - set(table.column_names)
        if missing:
            raise UnsupportedCheck(f"{schema.name}: the table lacks {sorted(missing)}")
    elif table.column_names != names:
        raise UnsupportedCheck(f"{schema.name}: the table has columns {table.column_names}, "
                               f"the schema {names}")
    rows, whole = scope in (None, ROWS), scope in (None, WHOLE)
    order = itertools.count()
    if schema.unique:
        key = list(schema.unique)
        whole_key = whole and tuple(key) not in known_unique
        duplicated = _duplicated([table.column(c) for c in key]) if whole_key else None
        for name in key:
            at = next(order)
            if whole_key:
                values = table.column(name)
                yield Failures(name, "multiple_fields_uniqueness",
                               np.flatnonzero(duplicated & _valid(values)), values, at)
    for check in schema.checks:
        if check.name != "differs_from":
            raise UnsupportedCheck(f"{schema.name}: no columnar evaluation of check "
                                   f"{check.name!r}")
        at = next(order)
        if rows:
            name, other = check.statistics["column"], check.statistics["other"]
            values = table.column(name)
            same = _mask(pc.equal(plain_text(values), plain_text(table.column(other))))
            yield Failures(name, check.error, np.flatnonzero(same), values, at)
    for name, column in schema.columns.items():
        values = table.column(name) if rows or name in table.column_names else None
        valid = None if values is None else _valid(values)
        if not column.nullable:
            at = next(order)
            if rows:
                yield Failures(name, "not_nullable", np.flatnonzero(~valid), None, at)
        if column.unique:
            at = next(order)
            if whole and (name,) not in known_unique:
                yield Failures(name, "field_uniqueness",
                               np.flatnonzero(_duplicated([values]) & valid), values,
                               at)
        for check in column.checks:
            evaluate = EVALUATORS.get(check.name)
            if evaluate is None:
                raise UnsupportedCheck(f"{schema.name}: no columnar evaluation of check "
                                       f"{check.name!r} on {name}")
            at = next(order)
            if (whole if _whole_file(check) else rows):
                passed = _chunk_by_chunk(evaluate, values, check.statistics or {})
                yield Failures(name, check.error or check.name,
                               np.flatnonzero(valid & ~passed), values, at)


class KeptColumn:
    """A column kept while a file is read a table at a time, for the :data:`WHOLE` checks.

    A dictionary-encoded column is kept as numbers into one dictionary of its values
    (16 bits while it allows), outside Arrow's memory pool; a text column as it is. Each
    table's numbers are translated as it comes while the dictionary stays small (a
    column of codes or dates); past :data:`_SMALL` values the rest are translated at the
    end, once.
    """

    _SMALL = 1 << 15

    def __init__(self, kind: pa.DataType) -> None:
        self.kind = kind
        self._chunks: list[pa.Array] = []
        self._dictionary = pa.array([], kind.value_type) if pa.types.is_dictionary(kind) \
            else None
        self._numbers: list[np.ndarray] = []  # by self._dictionary; -1: empty
        self._later: list[tuple[pa.Array, np.ndarray]] = []  # by their own dictionary

    def add(self, values: Values) -> None:
        chunks = values.chunks if isinstance(values, pa.ChunkedArray) else [values]
        if self._dictionary is None:
            self._chunks += chunks
            return
        for chunk in chunks:
            own = pc.fill_null(chunk.indices, -1).to_numpy(zero_copy_only=False)
            if self._later or len(self._dictionary) + len(chunk.dictionary) > self._SMALL:
                self._later.append((chunk.dictionary, own.astype(_width(len(chunk.dictionary)))))
                continue
            known = pc.is_in(chunk.dictionary, value_set=self._dictionary)
            if not pc.all(known).as_py():
                self._dictionary = pa.concat_arrays(
                    [self._dictionary, chunk.dictionary.filter(pc.invert(known))])
            into = pc.index_in(chunk.dictionary, value_set=self._dictionary)
            self._numbers.append(self._translate(into.to_numpy(zero_copy_only=False), own,
                                                 np.int16))

    @staticmethod
    def _translate(into: np.ndarray, numbers: np.ndarray, width) -> np.ndarray:
        """``numbers`` into a dictionary as numbers into the column's, given where each
        value of that dictionary is in the column's (``into``)."""
        return np.append(into, -1).astype(width)[numbers]

    def array(self) -> Values:
        """The column kept (what was kept is then let go)."""
        if self._dictionary is None:  # one array: hashed faster than in chunks
            chunks, self._chunks = self._chunks, []
            return pa.chunked_array(chunks, self.kind).combine_chunks()
        if self._later:  # every dictionary's values numbered in one pass (one hash table)
            owns = [self._dictionary, *(own for own, _ in self._later)]
            numbered = pc.dictionary_encode(
                pa.chunked_array(owns, self.kind.value_type).combine_chunks())
            self._dictionary = numbered.dictionary  # its first values: the old dictionary's
            into = numbered.indices.to_numpy(zero_copy_only=False)
            at = len(owns[0])
            width = _width(len(self._dictionary))
            while self._later:
                own, numbers = self._later.pop(0)
                self._numbers.append(self._translate(into[at:at + len(own)], numbers, width))
                at += len(own)
        width = _width(len(self._dictionary))
        kind = pa.dictionary(pa.from_numpy_dtype(width), self.kind.value_type)
        chunks = []
        while self._numbers:  # one chunk a table, on the numbers kept (no copy of them)
            numbers = self._numbers.pop(0).astype(width, copy=False)
            empty = numbers < 0
            nulls = int(empty.sum())
            validity = pa.py_buffer(np.packbits(~empty, bitorder="little")) if nulls else None
            indices = pa.Array.from_buffers(kind.index_type, len(numbers),
                                            [validity, pa.py_buffer(numbers)], null_count=nulls)
            chunks.append(pa.DictionaryArray.from_arrays(indices, self._dictionary))
        return pa.chunked_array(chunks, kind)


def _width(values: int):
    """The numpy integer type numbering ``values`` values (and -1)."""
    return np.int16 if values <= np.iinfo(np.int16).max else np.int32


def reference_values(values: Values, distinct: bool = False) -> pa.Array:
    """The distinct non-empty values of a column, as a reference check's allowed values
    (``distinct``: no value is there twice, so none is hashed)."""
    if distinct and not pa.types.is_dictionary(values.type):
        values = pc.drop_null(values)
        return plain_text(values.combine_chunks() if isinstance(values, pa.ChunkedArray)
                          else values)
    if pa.types.is_dictionary(values.type):  # the values its rows' numbers name
        dictionary, chunks = _dictionary(_unified(values))
        used = pc.drop_null(pc.unique(pa.chunked_array(chunks, values.type.index_type)))
        return plain_text(dictionary.take(used))
    distinct = pc.unique(pc.drop_null(values))
    if isinstance(distinct, pa.ChunkedArray):
        distinct = distinct.combine_chunks()
    return plain_text(distinct)
