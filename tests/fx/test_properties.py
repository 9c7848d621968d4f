"""Property tests of the FX answer parsers (Bloomberg and Reuters): no answer crashes them
or the checks after them, and every record set aside names what was expected."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from cistrade_core.fx.pairs import CURRENCIES, bloomberg_ticker, reuters_ric
from cistrade_core.fx.providers import (
    AnswerLayoutError,
    decode_answer,
    parse_bloomberg,
    parse_reuters,
)
from cistrade_core.fx.validation import validate

PAIRS = ("EURUSD", "GBPUSD", "USDJPY")
NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
PROPERTY = settings(max_examples=100, deadline=None, database=None)

#: JSON-like values as the decoder gives them (numbers as Decimal), hostile numbers included.
numbers = st.one_of(
    st.decimals(allow_nan=False, allow_infinity=False),
    st.sampled_from([Decimal("1E+15"), Decimal("4E-11"), Decimal("1e999999999"),
                     Decimal("-1e-999999999"), Decimal(0), Decimal("1.0842"),
                     Decimal(int("7" * 400))]),
    st.integers(), st.floats(allow_nan=True, allow_infinity=True),
)
scalars = st.one_of(st.none(), st.booleans(), numbers, st.text(max_size=40))
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.text(max_size=12), inner, max_size=4)),
    max_leaves=20,
)
timestamps_iso = st.one_of(
    st.datetimes(timezones=st.just(UTC)).map(lambda d: d.isoformat().replace("+00:00", "Z")),
    st.sampled_from(["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-05:00", "", "Z",
                     "2026-11-28T25:00:00Z", "2026-13-01T00:00:00Z"]),
    st.text(max_size=50),
)
timestamps_ms = st.one_of(numbers, st.integers(min_value=-(10**20), max_value=10**20),
                          st.text(max_size=20))


def field_map(keys: dict) -> st.SearchStrategy:
    """A fields object whose named fields take plausible or hostile values, or anything."""
    return st.one_of(st.fixed_dictionaries({k: st.one_of(v, json_values) for k, v in
                                            keys.items()}), json_values)


bloomberg_items = st.one_of(
    st.fixed_dictionaries({
        "security": st.one_of(st.sampled_from([bloomberg_ticker(p) for p in PAIRS]),
                              json_values),
        "fields": field_map({"BID": numbers, "ASK": numbers, "MID": numbers,
                             "LAST_UPDATE_TS": timestamps_iso}),
    }),
    json_values,
)
bloomberg_answers = st.one_of(
    st.fixed_dictionaries({"data": st.lists(bloomberg_items, max_size=6)},
                          optional={"securityErrors": json_values}),
    json_values,
)
reuters_items = st.one_of(
    st.fixed_dictionaries({
        "Type": st.one_of(st.just("Refresh"), json_values),
        "Key": st.one_of(st.fixed_dictionaries({"Name": st.one_of(
            st.sampled_from([reuters_ric(p) for p in PAIRS]), json_values)}), json_values),
        "Fields": field_map({"BID": numbers, "ASK": numbers, "MID_PRICE": numbers,
                             "TIMESTAMP_MS": timestamps_ms}),
    }),
    json_values,
)
reuters_answers = st.one_of(st.lists(reuters_items, max_size=6), json_values)


def check(parse, payload) -> None:
    try:
        rates, unreadable = parse(payload, PAIRS)
    except AnswerLayoutError as exc:
        assert "expected" in str(exc), str(exc)
        return
    for ident, reason in unreadable:
        assert "expected" in reason, reason
        assert len(ident) < 100 and len(reason) < 300
    for rate in rates:
        assert rate.pair in PAIRS
        assert all(v.is_finite() for v in (rate.bid, rate.ask, rate.mid))
        assert rate.provider_ts.tzinfo is not None
    # what comes out can always be checked: rejected with a reason, never a crash
    result = validate(rates, known_currencies=set(CURRENCIES), last_mids={}, now=NOW)
    assert len(result.good) + len(result.rejected) + len(result.held) <= len(rates)
    for failure in result.rejected:
        assert failure.detail


@PROPERTY
@given(payload=bloomberg_answers)
def test_the_bloomberg_parser_never_crashes_and_names_what_it_expected(payload):
    check(parse_bloomberg, payload)


@PROPERTY
@given(payload=reuters_answers)
def test_the_reuters_parser_never_crashes_and_names_what_it_expected(payload):
    check(parse_reuters, payload)


@PROPERTY
@given(content=st.one_of(st.binary(max_size=200),
                         st.text(max_size=200).map(str.encode),
                         st.integers(1, 5000).map(lambda n: b"[" * n + b"]" * n)))
def test_decoding_any_answer_gives_json_or_says_what_was_expected(content):
    try:
        decode_answer(content)
    except AnswerLayoutError as exc:
        assert "malformed JSON in the answer" in str(exc)
