"""KeyOrder says whether rows come in strictly increasing key order, as Python orders them."""

from __future__ import annotations

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cistrade_core.gmp.key_order import KeyOrder
from cistrade_core.gmp.text import REPEATING

VALUES = [None, "", "A", "AB", "B", "Z", "a", "é", "Ω", "GB", "GB1", "GB10", "GB2"]


def _tables(rows: list[tuple], cuts: list[int], repeating: bool) -> list[pa.Table]:
    kind = REPEATING if repeating else pa.string()
    bounds = [0, *sorted(c for c in set(cuts) if 0 < c < len(rows)), len(rows)]
    return [pa.table({name: pa.array([r[i] for r in rows[lo:hi]], pa.string()).cast(kind)
                      for i, name in enumerate(("code", "day"))})
            for lo, hi in zip(bounds[:-1], bounds[1:], strict=True)]


@pytest.mark.parametrize("repeating", [False, True], ids=["text", "dictionary"])
def test_the_order_holds_exactly_when_each_key_is_greater_than_the_one_before(repeating):
    @settings(max_examples=200, deadline=None, database=None)
    @given(rows=st.lists(st.tuples(st.sampled_from(VALUES), st.sampled_from(VALUES)),
                         max_size=12),
           cuts=st.lists(st.integers(0, 12), max_size=4), ordered=st.booleans())
    def same(rows, cuts, ordered):
        if ordered:
            rows = sorted(rows, key=lambda r: [(v is not None, v or "") for v in r])
        order = KeyOrder(["code", "day"])
        for table in _tables(rows, cuts, repeating):
            order.add(table)
        expected = all(None not in r for r in rows) and \
            all(a < b for a, b in zip(rows, rows[1:], strict=False))
        assert order.holds is expected

    same()


def test_the_order_is_byte_order_of_the_text_across_tables_and_chunks():
    order = KeyOrder(["code"])
    first = pa.chunked_array([["A", "Z"], ["a"]])
    order.add(pa.table({"code": first}))
    order.add(pa.table({"code": pa.array(["z", "é"]).dictionary_encode()}))
    assert order.holds
    order.add(pa.table({"code": ["é"]}))  # the last key again
    assert not order.holds


def test_an_empty_table_changes_nothing_and_an_empty_value_breaks_the_order():
    order = KeyOrder(["code"])
    order.add(pa.table({"code": pa.array([], pa.string())}))
    order.add(pa.table({"code": ["A"]}))
    assert order.holds
    order.add(pa.table({"code": pa.array([None], pa.string())}))
    assert not order.holds
