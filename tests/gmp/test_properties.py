"""Property tests of the control-file and data-line parsers: no input crashes them, and
every problem they report names what was expected."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cistrade_core.feeds import get_feed
from cistrade_core.gmp.control import CONTROL_HEADER, ControlFileError, read_control_file
from cistrade_core.gmp.parse import read_data_file

DAY = date(2026, 11, 27)
CURRENCY = get_feed("currency")
CONTROL_NAME = CURRENCY.control_file_name(DAY)
DATA_NAME = CURRENCY.data_file_name(DAY)
PROPERTY = settings(max_examples=80, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


def names_what_was_expected(message: str) -> bool:
    return "expected" in message or " must be " in message


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("properties")


#: Text a hostile or broken GMP might put in a field: digits of other scripts, signs,
#: separators, controls, surrogates-free unicode.
field_text = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["", "17²", "١٢", "１７", "-1", "+5", " 5", "1e3", "0x10", "9" * 40,
                     "20261127", "2026-11-28T02:00:07Z", "2026-11-28T02:00:07+01:00",
                     "currency", "currency|x", "\x00", "\r", "\ufeff"]),
)


@st.composite
def control_texts(draw) -> bytes:
    """Near-valid control files (a field or line spoilt) or arbitrary bytes."""
    good = {"feed": "currency", "business_date": "20261127", "row_count": "180",
            "extract_timestamp": "2026-11-28T02:00:07Z"}
    values = {k: draw(st.one_of(st.just(v), field_text)) for k, v in good.items()}
    header = draw(st.one_of(st.just("|".join(CONTROL_HEADER)), field_text))
    end = draw(st.sampled_from(["\n", "\r\n", "", "\r", "\n\n"]))
    text = f"{header}\n{'|'.join(values.values())}{end}"
    structured = text.encode("utf-8", errors="surrogatepass")
    return draw(st.one_of(st.just(structured), st.binary(max_size=300)))


@PROPERTY
@given(content=control_texts())
def test_the_control_file_parser_never_crashes_and_names_what_it_expected(folder, content):
    path = folder / CONTROL_NAME
    path.write_bytes(content)
    try:
        control = read_control_file(path, "currency", DAY)
    except ControlFileError as exc:
        problem = exc.problem
        assert problem.file == CONTROL_NAME
        assert names_what_was_expected(problem.message), problem.message
        assert problem.value is None or len(problem.value) <= 83
        assert len(str(exc)) < 400
    else:
        assert control.feed == "currency" and control.business_date == DAY
        assert 0 <= control.row_count < 10**18 and control.extract_timestamp.tzinfo is not None


@st.composite
def data_texts(draw) -> bytes:
    """A data file: the right or a wrong header, lines of hostile fields, any line ends."""
    header = draw(st.one_of(st.just(CURRENCY.header), field_text))
    good_row = ["EUR", "Euro", "978", "2", "Y"]
    lines = draw(st.lists(
        st.one_of(
            st.just("|".join(good_row)),
            st.lists(field_text, min_size=0, max_size=7).map("|".join),
            field_text,
        ),
        max_size=8,
    ))
    end = draw(st.sampled_from(["\n", "\r\n"]))
    last = draw(st.sampled_from(["\n", "\r\n", "", "\r"]))
    text = end.join([header, *lines]) + last
    structured = text.encode("utf-8", errors="surrogatepass")
    bom = draw(st.sampled_from([b"", b"\xef\xbb\xbf"]))
    return draw(st.one_of(st.just(bom + structured), st.binary(max_size=400)))


@PROPERTY
@given(content=data_texts())
def test_the_data_line_parser_never_crashes_and_names_what_it_expected(folder, content):
    path = folder / DATA_NAME
    path.write_bytes(content)
    parsed = read_data_file(CURRENCY, path)
    for problem in parsed.problems:
        assert problem.file == DATA_NAME
        assert names_what_was_expected(problem.message), problem.message
        assert problem.value is None or len(problem.value) <= 83
        assert problem.line is None or problem.line >= 1
    if parsed.table is not None:
        assert parsed.table.num_rows == len(parsed.line_numbers) <= parsed.data_lines
        assert parsed.table.column_names == CURRENCY.column_names
