"""The columnar evaluation reports exactly what pandera reports running the same schema."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pyarrow as pa_
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cistrade_core.feeds import FEEDS, get_feed
from cistrade_core.gmp import columnar
from cistrade_core.gmp.checks import _messages, _schema_problems
from cistrade_core.gmp.parse import ParsedFile
from cistrade_core.gmp.problems import CheckKind, Problem
from cistrade_core.gmp.schemas import ROW_CHECK_COLUMNS, format_schema, quality_schema
from cistrade_core.gmp.text import REPEATING

#: Values each column may take in a generated file: valid ones, invalid ones, empty.
POOLS = {
    "currency": {
        "currency_code": ["USD", "EUR", "usd", "US", "USDX", None],
        "currency_name": ["US Dollar", "Euro", None],
        "numeric_code": ["840", "978", "84A", "8400", None],
        "minor_units": ["2", "0", "4", "5", "-1", "two", "2.0", "9" * 25, None],
        "is_active": ["Y", "N", "X", "y", "YES", None],
    },
    "country": {
        "country_code": ["GB", "US", "gb", "GBR", None],
        "country_code3": ["GBR", "USA", "gbr", "GB", None],
        "numeric_code": ["826", "840", "82A", None],
        "country_name": ["United Kingdom", None],
        "currency_code": ["GBP", "USD", "XYZ", "GBPX", None],
        "region": ["Europe", None],
    },
    "calendar": {
        "calendar_code": ["GB", "USNY", "us-ny", "U", None],
        "holiday_date": ["2026-12-25", "2028-02-29", "2026-02-30", "25/12/2026", None],
        "holiday_name": ["Christmas Day", None],
    },
    "counterparty": {
        "counterparty_id": ["CP0000001", "CP0000002", "CP0000003", None],
        "lei": ["5493001KJTIIGC8Y1R12", "5493001KJTIIGC8Y1R13", "5493001kjtiigc8y1r12",
                "5493001KJTIIGC8Y1RAB", "5493001KJTIIGC8Y1R", None],
        "legal_name": ["Atlas Bank plc", None],
        "short_name": ["ATLAS", None],
        "country_code": ["GB", "US", "ZZ", "GBR", None],
        "counterparty_type": ["BANK", "FUND", "HEDGE_FUND", None],
        "parent_id": ["CP0000001", "CP0000002", "CP404", None],
        "status": ["ACTIVE", "DELETED", None],
        "updated_at": ["2026-11-27T18:04:11Z", "2026-11-27T18:04:11.250Z",
                       "2026-11-27T18:04:11+00:00", "2026-11-27T18:04:11+01:00",
                       "2026-02-30T18:04:11Z", "2026-11-27T24:00:00Z", "2026-11-27 18:04", None],
    },
}
REFERENCES = {"currency.currency_code": {"GBP", "USD"}, "country.country_code": {"GB", "US"}}


def pandera_problems(schema: pa.DataFrameSchema, parsed: ParsedFile,
                     kind: CheckKind) -> tuple[list[Problem], int]:
    """The problems as pandera itself finds them (its failure cases, located)."""
    try:
        schema.validate(parsed.table.to_pandas(), lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
    else:
        return [], 0
    row_checks = (schema.metadata or {}).get(ROW_CHECK_COLUMNS, {})
    if row_checks:
        about = cases["check"].map(row_checks)
        cases = cases[about.isna() | (about == cases["column"])]
    messages = _messages(parsed)
    problems = [
        Problem(kind, parsed.path.name, messages.get(str(c.check), str(c.check)),
                int(parsed.line_numbers[int(c.index)]), c.column,
                None if c.failure_case is None or pd.isna(c.failure_case)
                else str(c.failure_case))
        for c in cases.itertuples(index=False)
    ]
    return problems, len(cases)


def _key(p: Problem):
    return (p.line, p.column or "", p.message, p.value or "")


def table_of(feed_name: str, rows: list[dict], chunks: int = 1,
             repeating: bool = False) -> ParsedFile:
    """``rows`` as a parsed file whose columns come in ``chunks`` pieces (as a file read
    block by block does); ``repeating``: every column dictionary-encoded with one
    dictionary, as the parser reads columns whose values repeat."""
    feed = get_feed(feed_name)
    bounds = np.linspace(0, len(rows), chunks + 1).astype(int)
    kind = REPEATING if repeating else pa_.string()
    table = pa_.Table.from_batches([
        pa_.record_batch({c: pa_.array([r[c] for r in rows[lo:hi]], pa_.string()).cast(kind)
                          for c in feed.column_names})
        for lo, hi in zip(bounds[:-1], bounds[1:], strict=True)]).unify_dictionaries()
    return ParsedFile(feed, Path(feed.data_file_name(pd.Timestamp("2026-11-27").date())), table,
                      len(rows), np.arange(2, len(rows) + 2))


@st.composite
def files(draw, feed_name: str) -> list[dict]:
    pools = POOLS[feed_name]
    n = draw(st.integers(min_value=1, max_value=12))
    return [{c: draw(st.sampled_from(pool)) for c, pool in pools.items()} for _ in range(n)]


def test_the_pools_cover_every_column():
    assert {f: set(c) for f, c in POOLS.items()} == \
        {f.name: set(f.column_names) for f in FEEDS.values()}


@pytest.mark.parametrize("repeating", [False, True], ids=["text", "dictionary"])
@pytest.mark.parametrize("chunks", [1, 3])
@pytest.mark.parametrize("feed_name", list(FEEDS))
def test_columnar_and_pandera_find_the_same_problems(feed_name, chunks, repeating):
    """Also when the columns are dictionary-encoded (checked once per distinct value)."""
    @settings(max_examples=20, deadline=None, database=None)
    @given(rows=files(feed_name))
    def same(rows):
        parsed = table_of(feed_name, rows, chunks, repeating)
        references = dict(REFERENCES)
        references["counterparty.counterparty_id"] = {
            r.get("counterparty_id") for r in rows if r.get("counterparty_id")}
        for schema, kind in ((format_schema(parsed.feed), CheckKind.FORMAT),
                             (quality_schema(parsed.feed, references), CheckKind.DATA_QUALITY)):
            ours, total = _schema_problems(schema, parsed, kind)
            theirs, their_total = pandera_problems(schema, table_of(feed_name, rows, chunks),
                                                   kind)
            assert total == their_total
            assert sorted(ours, key=_key) == sorted(theirs, key=_key)
            assert ours == sorted(ours, key=lambda p: (p.line, p.column or ""))

    same()


def pieces_of(feed_name: str, rows: list[dict], cuts: list[int],
              repeating: bool) -> list[pa_.Table]:
    """``rows`` as the tables of a file read a range at a time: each with dictionaries of
    its own when ``repeating``."""
    feed = get_feed(feed_name)
    kind = REPEATING if repeating else pa_.string()
    bounds = [0, *sorted(c for c in set(cuts) if 0 < c < len(rows)), len(rows)]
    return [pa_.table({c: pa_.array([r[c] for r in rows[lo:hi]], pa_.string()).cast(kind)
                       for c in feed.column_names})
            for lo, hi in zip(bounds[:-1], bounds[1:], strict=True)]


def _first_key(feed_name: str) -> tuple[str, ...]:
    feed = get_feed(feed_name)
    return [*feed.unique_together, *((c.name,) for c in feed.columns if c.unique)][0]


def _in_key_order(feed_name: str, rows: list[dict]) -> list[dict]:
    """``rows`` sorted by the feed's first unique key (empty values first)."""
    key = _first_key(feed_name)
    return sorted(rows, key=lambda r: [(r[c] is not None, r[c] or "") for c in key])


def _strictly_increasing(feed_name: str, rows: list[dict]) -> bool:
    keys = [tuple(r[c] for c in _first_key(feed_name)) for r in rows]
    return all(None not in k for k in keys) and \
        all(a < b for a, b in zip(keys, keys[1:], strict=False))


@pytest.mark.parametrize("read_back", [False, True], ids=["kept", "read-back"])
@pytest.mark.parametrize("repeating", [False, True], ids=["text", "dictionary"])
@pytest.mark.parametrize("feed_name", list(FEEDS))
def test_a_file_checked_a_range_at_a_time_has_the_problems_of_the_whole(feed_name, repeating,
                                                                       read_back):
    """Per-row rules table by table, uniqueness and references within the file over the
    columns kept: the same problems, lines and counts as the whole table against pandera.
    With the file's rows to read back, a key in key order is not kept (nor checked), and
    one out of order is read back: the same problems again."""
    from cistrade_core.gmp.checks import FileChecks

    @settings(max_examples=20, deadline=None, database=None)
    @given(rows=files(feed_name), cuts=st.lists(st.integers(0, 12), max_size=4),
           small=st.booleans(), ordered=st.booleans())
    def same(rows, cuts, small, ordered):
        references = dict(REFERENCES)
        if ordered:
            rows = _in_key_order(feed_name, rows)
        whole = table_of(feed_name, rows)
        asked = []

        def staged(columns):
            asked.append(columns)
            return whole.table.select(columns)

        check = FileChecks(whole.feed, references, read_back=staged if read_back else None)
        with pytest.MonkeyPatch.context() as patch:
            if small:  # the kept dictionaries numbered once at the end, not as they come
                patch.setattr(columnar.KeptColumn, "_SMALL", 2)
            for piece in pieces_of(feed_name, rows, cuts, repeating):
                check.add(piece)
        read = ParsedFile(whole.feed, whole.path, None, len(rows), whole.line_numbers,
                          readable=True)
        within = {"counterparty.counterparty_id": {
            r.get("counterparty_id") for r in rows if r.get("counterparty_id")}}
        for ours, (schema, kind) in (
                (check.type_problems(read), (format_schema(whole.feed), CheckKind.FORMAT)),
                (check.quality_problems(read),
                 (quality_schema(whole.feed, {**references, **within}),
                  CheckKind.DATA_QUALITY))):
            theirs = pandera_problems(schema, whole, kind)
            assert ours[1] == theirs[1]
            assert sorted(ours[0], key=_key) == sorted(theirs[0], key=_key)
            assert ours[0] == sorted(ours[0], key=lambda p: (p.line, p.column or ""))
        # Read back once when the key's order breaks (not the counterparties': their
        # identifiers are kept for the references to them).
        broken = read_back and feed_name != "counterparty" and \
            not _strictly_increasing(feed_name, rows)
        assert asked == ([list(_first_key(feed_name))] if broken else [])

    same()


def test_a_kept_column_holds_its_values_whichever_way_it_is_numbered(monkeypatch):
    from cistrade_core.gmp.text import plain_text

    rng = np.random.default_rng(3)
    values = [None, "GB", "USNY", "TARGET", "JP", "ZA"]
    for limit in (2, 3, 1 << 15):
        monkeypatch.setattr(columnar.KeptColumn, "_SMALL", limit)
        for _ in range(30):
            kept, expected = columnar.KeptColumn(REPEATING), []
            for _ in range(int(rng.integers(0, 5))):
                part = [values[i] for i in rng.integers(0, len(values), int(rng.integers(0, 9)))]
                kept.add(pa_.array(part, pa_.string()).dictionary_encode())
                expected += part
            array = kept.array()
            assert plain_text(array).to_pylist() == expected
            for chunk in array.chunks:  # one dictionary, each value in it once
                assert chunk.dictionary.equals(array.chunks[0].dictionary)
                assert len(set(chunk.dictionary.to_pylist())) == len(chunk.dictionary)


def test_repeated_keys_are_found_whether_counted_or_sorted():
    key = [7, 3, 10**15, 3, 10**15 + 1, 10**15]
    expected = [False, True, True, True, False, True]
    sorted_key = columnar._repeated(lambda: (np.array(key, dtype=np.int64), 10**15 + 2))
    assert sorted_key.tolist() == expected
    counted = columnar._repeated(lambda: (np.array([2, 0, 1, 0, 3, 1]), 4))
    assert counted.tolist() == [False, True, True, True, False, True]
    unique = columnar._repeated(lambda: (np.array(key[:3] + key[4:5], dtype=np.int64), 10**16))
    assert not unique.any()


def test_repeats_are_found_across_the_steps_of_a_sorted_key(monkeypatch):
    monkeypatch.setattr(columnar, "_STEP", 3)
    rng = np.random.default_rng(5)
    for rows in (0, 1, 2, 3, 4, 7, 10, 31):
        for _ in range(20):
            key = rng.integers(0, 10**12, rows) if rng.random() < 0.5 \
                else rng.integers(0, max(rows, 1) * 2, rows) * 10**9
            values, counts = np.unique(key, return_counts=True)
            expected = np.isin(key, values[counts > 1])
            found = columnar._repeated(lambda k=key: (k.copy(), 10**13))
            assert found.tolist() == expected.tolist()


def test_a_check_without_a_columnar_evaluation_is_refused():
    schema = pa.DataFrameSchema({"a": pa.Column(checks=[pa.Check(lambda s: s != "x",
                                                                 name="mystery")])})
    with pytest.raises(columnar.UnsupportedCheck, match="no columnar evaluation of check "
                                                        "'mystery' on a"):
        list(columnar.failures(schema, pa_.table({"a": pa_.array(["x"])})))


def test_located_problems_are_capped_but_all_counted(monkeypatch):
    from cistrade_core.gmp import checks

    monkeypatch.setattr(checks, "MAX_LOCATED_FAILURES", 5)
    rows = [dict.fromkeys(POOLS["calendar"], None) for _ in range(4)]
    parsed = table_of("calendar", rows)
    problems, total = _schema_problems(quality_schema(parsed.feed, {}), parsed,
                                       CheckKind.DATA_QUALITY)
    assert total == 12  # three empty columns on four lines
    assert [(p.line, p.column) for p in problems] == [
        (2, "calendar_code"), (2, "holiday_date"), (2, "holiday_name"),
        (3, "calendar_code"), (3, "holiday_date")]


@settings(max_examples=300, deadline=None, database=None)
@given(values=st.lists(st.one_of(
    st.none(), st.dates().map(str),
    st.from_regex(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", fullmatch=True),
    st.just("0000-01-01"),  # year 0: Arrow and DuckDB take it, Python does not
    st.text(alphabet="0123456789-+ T:/", max_size=12)), max_size=6))
def test_a_real_date_is_exactly_a_real_day_written_yyyy_mm_dd(values):
    def real(text: str) -> bool:
        if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
            return False
        try:
            date.fromisoformat(text)
        except ValueError:
            return False
        return True

    expected = [None if v is None else real(v) for v in values]
    assert columnar.is_real_date(pa_.array(values, pa_.string())).to_pylist() == expected


def test_year_zero_is_no_real_date_or_timestamp():
    # Arrow's cast and DuckDB both take year 0000 (1 BC); no Python date can hold it
    assert columnar.is_real_date(pa_.array(["0000-01-01", "0001-01-01"])).to_pylist() == [
        False, True]
    assert columnar.is_utc_timestamp(
        pa_.array(["0000-12-31T23:59:59Z", "0001-01-01T00:00:00Z"])).to_pylist() == [False, True]


def test_a_set_lookup_is_the_same_whichever_side_is_hashed():
    rng = np.random.default_rng(11)
    words = [f"V{i}" for i in range(40)]
    for _ in range(200):
        values = [None if rng.random() < 0.2 else words[i]
                  for i in rng.integers(0, len(words), int(rng.integers(0, 12)))]
        allowed = list(dict.fromkeys(words[i] for i in rng.integers(0, len(words),
                                                                    int(rng.integers(0, 60)))))
        if rng.random() < 0.2:
            allowed.append(None)
        cut = int(rng.integers(0, len(values) + 1))
        chunked = pa_.chunked_array([pa_.array(values[:cut], pa_.string()),
                                     pa_.array(values[cut:], pa_.string())])
        for given_values in (pa_.array(values, pa_.string()), chunked):
            found = columnar._isin(given_values, {"allowed_values": pa_.array(allowed,
                                                                              pa_.string())})
            expected = [v in allowed for v in values]
            assert found.to_pylist() == expected, (values, allowed)


def test_reference_values_of_a_dictionary_column_are_the_values_its_rows_use():
    dictionary = pa_.array(["GB", "US", "JP", "FR"], pa_.string())
    chunks = [pa_.DictionaryArray.from_arrays(pa_.array(indices, pa_.int16()), dictionary)
              for indices in ([1, None, 1], [], [3, 1, None])]
    column = pa_.chunked_array(chunks, chunks[0].type)
    assert sorted(columnar.reference_values(column).to_pylist()) == ["FR", "US"]
    plain = pa_.array(["US", None, "US", "FR"], pa_.string())
    assert sorted(columnar.reference_values(plain).to_pylist()) == ["FR", "US"]
