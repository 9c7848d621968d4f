from cistrade_core.feeds import get_feed
from cistrade_core.gmp.parse import read_data_file

CURRENCY = get_feed("currency")
HEADER = CURRENCY.header


def write(tmp_path, data: bytes):
    path = tmp_path / "gmp_cis_sta_dly_currency_20261127.csv"
    path.write_bytes(data)
    return path


def test_bom_and_crlf_are_accepted_and_empty_fields_are_null(tmp_path):
    data = ("\ufeff" + HEADER + "\r\nUSD|US Dollar|840|2|Y\r\nXAU|Gold|959||Y\r\n").encode()
    parsed = read_data_file(CURRENCY, write(tmp_path, data))
    assert parsed.ok
    assert parsed.data_lines == 2
    assert parsed.table.to_pylist()[1] == {
        "currency_code": "XAU", "currency_name": "Gold", "numeric_code": "959",
        "minor_units": None, "is_active": "Y"}
    assert list(parsed.line_numbers) == [2, 3]


def test_every_wrong_field_count_and_blank_line_is_reported_with_its_line(tmp_path):
    body = [HEADER, "USD|US Dollar|840|2|Y", "EUR|Euro|978|2", "", "GBP|Pound|826|2|Y|x",
            "JPY|Yen|392|0|Y"]
    parsed = read_data_file(CURRENCY, write(tmp_path, ("\n".join(body) + "\n").encode()))
    assert [(p.line, p.message) for p in parsed.problems] == [
        (3, "expected 5 fields separated by '|', found 4"),
        (4, "blank line (expected 5 fields)"),
        (5, "expected 5 fields separated by '|', found 6"),
    ]
    assert parsed.data_lines == 5
    assert [r["currency_code"] for r in parsed.table.to_pylist()] == ["USD", "JPY"]
    assert list(parsed.line_numbers) == [2, 6]


def test_wrong_header_is_a_format_problem_on_line_1(tmp_path):
    parsed = read_data_file(CURRENCY, write(tmp_path, b"code|name\nUSD|US Dollar\n"))
    [problem] = parsed.problems
    assert problem.line == 1
    assert "header must be exactly" in problem.message
    assert parsed.table is None


def test_bad_encoding_names_line_and_character(tmp_path):
    data = (HEADER + "\nUSD|US Dollar|840|2|Y\nXOF|Franc C").encode() + b"\xe9" + b"A|952|0|Y\n"
    [problem] = read_data_file(CURRENCY, write(tmp_path, data)).problems
    assert (problem.line, problem.message) == (3, "invalid UTF-8 byte 0xe9 at character 12")
    assert str(problem).startswith("gmp_cis_sta_dly_currency_20261127.csv line 3")


def test_header_only_and_zero_byte_files_have_no_data_lines(tmp_path):
    assert read_data_file(CURRENCY, write(tmp_path, (HEADER + "\n").encode())).data_lines == 0
    zero = read_data_file(CURRENCY, write(tmp_path, b""))
    assert zero.data_lines == 0 and zero.ok and zero.table is None
