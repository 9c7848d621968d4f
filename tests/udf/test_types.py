"""Property tests of the UDF value parser: no input crashes it, every rejection says
what was expected, and what it accepts it gives back in one canonical form."""

from datetime import date
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cistrade_core.udf.registry import UdfField, validate_values
from cistrade_core.udf.types import INT_MAX, INT_MIN, DataType, canonical

FAST = settings(max_examples=300, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow])

#: Any text, control characters, surrogates and bidirectional controls included.
ANY_TEXT = st.text(st.characters(codec=None, exclude_categories=()), max_size=80) | st.sampled_from(
    ["1e1000000", "-1e-1000000", "NaN", "Infinity", "1_000", "٣", "9" * 5000, "0x10", "1e",
     ".", "+", "2026-02-30", "\x00", "true\x00", "\u202e1"])
NUMBERISH = st.from_regex(r"\A[+-]?[0-9]{0,45}(\.[0-9]{0,25})?([eE][+-]?[0-9]{1,12})?\Z")
TYPES = st.sampled_from(list(DataType))
ALLOWED = st.lists(st.text(min_size=1, max_size=8), max_size=4)


def parse(data_type, raw, allowed=()):
    """The canonical text, or the ValueError's message; any other exception fails."""
    try:
        return canonical(data_type, raw, allowed), None
    except ValueError as exc:
        return None, str(exc)


@FAST
@given(TYPES, ANY_TEXT | NUMBERISH, ALLOWED)
def test_no_input_crashes_the_parser_and_rejections_say_what_was_expected(dtype, raw, allowed):
    value, error = parse(dtype, raw, allowed)
    if error is not None:
        assert "expected" in error, error
        assert len(error) < 600  # a huge input is not quoted whole
        assert "\x00" not in error and "\x1b" not in error and "\u202e" not in error
    else:
        assert isinstance(value, str)
        assert parse(dtype, value, allowed) == (value, None)  # canonical is a fixed point


@FAST
@given(NUMBERISH)
def test_decimal_text_is_exact_or_refused(raw):
    value, error = parse(DataType.DECIMAL, raw)
    if error is None:
        assert Decimal(value) == Decimal(raw)  # no rounding, no overflow
        assert abs(Decimal(value)) < Decimal("1e38")


@FAST
@given(st.decimals(min_value=Decimal("-1e31"), max_value=Decimal("1e31"), places=6,
                   allow_nan=False, allow_infinity=False))
def test_decimals_in_range_are_kept_exactly(number):
    value, error = parse(DataType.DECIMAL, str(number))
    assert error is None, error
    assert Decimal(value) == number


@FAST
@given(st.integers())
def test_integers_are_64_bit(number):
    value, error = parse(DataType.INTEGER, str(number))
    if INT_MIN <= number <= INT_MAX:
        assert value == str(number)
    else:
        assert "expected digits with an optional sign" in error


@FAST
@given(st.dates())
def test_dates_round_trip(day):
    text = day.isoformat()
    value, error = parse(DataType.DATE, text)
    if len(text) == 10:
        assert value == text
    else:  # years beyond 9999 do not exist in date; before 1000 are written shorter
        assert error is not None or date.fromisoformat(value) == day


@FAST
@given(st.dictionaries(st.text(max_size=10), ANY_TEXT | st.none(), max_size=5))
def test_validating_any_set_of_values_reports_problems_and_never_raises(values):
    fields = [UdfField("risk", "Risk", DataType.DECIMAL, mandatory=True),
              UdfField("kind", "Kind", DataType.ENUM, ("A", "B")),
              UdfField("note", "Note", DataType.STRING),
              UdfField("start", "Start", DataType.DATE, default="2026-01-01")]
    check = validate_values(fields, values)
    assert set(check.values) <= {"risk", "kind", "note", "start"}
    assert all(isinstance(p, str) and p for p in check.problems)
    if "risk" not in check.values:
        assert any("'risk'" in p for p in check.problems)
