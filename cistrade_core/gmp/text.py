"""How a feed's text columns are held in Arrow: plain, or dictionary-encoded.

Every value of a GMP feed is read as text. A column that repeats its values (a code,
a date, a status) is held dictionary-encoded: each distinct value once, and a number
per row. Either way the values are the same; :func:`plain_text` decodes one column and
:func:`plain_table` a table, for readers that want plain text.
"""

from __future__ import annotations

import pyarrow as pa

#: A plain text column.
TEXT = pa.string()
#: A text column holding each distinct value once.
REPEATING = pa.dictionary(pa.int32(), pa.string())


def plain_text(values: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """``values`` as plain text (a dictionary-encoded column decoded)."""
    return values.cast(TEXT) if pa.types.is_dictionary(values.type) else values


def plain_table(table: pa.Table) -> pa.Table:
    """``table`` with every column as plain text."""
    schema = pa.schema([(name, TEXT) for name in table.column_names])
    return table if table.schema.equals(schema) else table.cast(schema)
