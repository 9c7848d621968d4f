"""Whether a file's rows come in strictly increasing order of a key, told a table at a time.

Rows in strictly increasing key order hold no key twice, so a file that comes so (a
holiday calendar by code and date, as extracts usually are) is known unique without
keeping a copy of its key: what is held does not grow with the file. Values compare
byte by byte (UTF-8 text: the order of Python's ``str``), the first column first.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

Values = pa.Array | pa.ChunkedArray


def _neighbours(values: Values) -> tuple[np.ndarray, np.ndarray]:
    """For each row after the first: whether its value is greater than the row before's,
    and whether it is equal."""
    if pa.types.is_dictionary(values.type):  # the dictionary's ranks, compared by row
        if isinstance(values, pa.ChunkedArray):
            values = values.chunk(0) if values.num_chunks == 1 else \
                values.unify_dictionaries().combine_chunks()
        dictionary = values.dictionary
        rows = values.indices.to_numpy(zero_copy_only=False)
        # A dictionary in order (values first seen in order: a file in key order) ranks
        # its values by their indices already.
        if len(dictionary) > 1 and not pc.all(pc.greater(
                dictionary.slice(1), dictionary.slice(0, len(dictionary) - 1))).as_py():
            ranks = pc.rank(dictionary, sort_keys="ascending", tiebreaker="dense")
            rows = ranks.to_numpy().astype(np.int32)[rows]
        return rows[1:] > rows[:-1], rows[1:] == rows[:-1]
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    after, before = values.slice(1), values.slice(0, len(values) - 1)
    return (pc.greater(after, before).to_numpy(zero_copy_only=False),
            pc.equal(after, before).to_numpy(zero_copy_only=False))


class KeyOrder:
    """Told a file's tables in file order (:meth:`add`), :attr:`holds` says whether every
    row so far has a greater key than the row before it. An empty value breaks the
    order (a key with one is not known unique)."""

    def __init__(self, columns: Sequence[str]) -> None:
        self.columns = tuple(columns)
        self.holds = True
        self._last: tuple | None = None  # the key of the last row so far

    def add(self, table: pa.Table) -> None:
        if not self.holds or not table.num_rows:
            return
        columns = [table.column(name) for name in self.columns]
        if any(values.null_count for values in columns):
            self.holds = False
            return
        first = tuple(values[0].as_py() for values in columns)
        if self._last is not None and not first > self._last:
            self.holds = False
            return
        if table.num_rows > 1:
            greater, equal = _neighbours(columns[-1])
            for values in reversed(columns[:-1]):  # greater on this column, or equal and on
                above, same = _neighbours(values)
                greater = above | (same & greater)
            if not greater.all():
                self.holds = False
                return
        self._last = tuple(values[-1].as_py() for values in columns)
