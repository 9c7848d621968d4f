from hypothesis import given, settings
from hypothesis import strategies as st

from cistrade_core.feeds import get_feed
from cistrade_core.gmp.checks import check_types
from cistrade_core.gmp.parse import _is_utf8, read_data_file

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
    assert (problem.line, problem.message) == (
        3, "invalid UTF-8 byte 0xe9 at character 12 (expected UTF-8 text)")
    assert str(problem).startswith("gmp_cis_sta_dly_currency_20261127.csv line 3")


def test_header_only_and_zero_byte_files_have_no_data_lines(tmp_path):
    assert read_data_file(CURRENCY, write(tmp_path, (HEADER + "\n").encode())).data_lines == 0
    zero = read_data_file(CURRENCY, write(tmp_path, b""))
    assert zero.data_lines == 0 and zero.ok and zero.table is None


def test_utf8_text_is_read_and_a_bad_byte_is_located_by_line_character_and_column(tmp_path):
    good = (HEADER + "\nXOF|Franc CFA – Côte d’Ivoire|952|0|Y\n").encode()
    parsed = read_data_file(CURRENCY, write(tmp_path, good))
    assert parsed.ok and parsed.table.column("currency_name")[0].as_py() == \
        "Franc CFA – Côte d’Ivoire"
    bad = (HEADER + "\nXOF|Fr€nc ").encode() + b"\xe9" + b"|952|0|Y\n"
    [problem] = read_data_file(CURRENCY, write(tmp_path, bad)).problems
    assert (problem.line, problem.column) == (2, "currency_name")
    assert problem.message == "invalid UTF-8 byte 0xe9 at character 11 (expected UTF-8 text)"
    assert str(problem) == ("gmp_cis_sta_dly_currency_20261127.csv line 2, column "
                            "currency_name: invalid UTF-8 byte 0xe9 at character 11 "
                            "(expected UTF-8 text)")


def test_a_utf8_bom_is_ignored_but_a_utf16_file_is_not_utf8(tmp_path):
    row = "USD|US Dollar|840|2|Y\n"
    with_bom = read_data_file(CURRENCY, write(tmp_path, ("\ufeff" + HEADER + "\n" + row).encode()))
    assert with_bom.ok and with_bom.table.column_names[0] == "currency_code"
    assert with_bom.table.column("currency_code").to_pylist() == ["USD"]
    utf16 = read_data_file(CURRENCY, write(tmp_path, (HEADER + "\n" + row).encode("utf-16")))
    [problem] = utf16.problems
    assert (problem.line, problem.column, problem.message) == (
        1, "currency_code", "invalid UTF-8 byte 0xff at character 1 (expected UTF-8 text)")


def test_lines_end_in_lf_or_crlf(tmp_path):
    rows = ["USD|US Dollar|840|2|Y", "EUR|Euro|978|2|Y", "JPY|Yen|392|0|Y"]
    for ending in ("\n", "\r\n"):
        text = ending.join([HEADER, *rows, ""])
        parsed = read_data_file(CURRENCY, write(tmp_path, text.encode()))
        assert parsed.ok and parsed.table.column("is_active").to_pylist() == ["Y", "Y", "Y"]
    mixed = HEADER + "\r\n" + rows[0] + "\n" + rows[1] + "\r\n" + rows[2] + "\n"
    assert read_data_file(CURRENCY, write(tmp_path, mixed.encode())).ok

    bare_cr = HEADER + "\n" + rows[0] + "\n" + "EUR|Euro\r|978|2|Y\n"
    [problem] = read_data_file(CURRENCY, write(tmp_path, bare_cr.encode())).problems
    assert (problem.line, problem.column) == (3, "currency_name")
    assert problem.message == ("carriage return without a line feed at character 9 "
                               "(expected lines ending in \\n or \\r\\n)")
    old_mac = "\r".join([HEADER, *rows, ""])
    [problem] = read_data_file(CURRENCY, write(tmp_path, old_mac.encode())).problems
    assert (problem.line, problem.column) == (1, "is_active")
    assert problem.message.startswith(
        f"carriage return without a line feed at character {len(HEADER) + 1} ")

    cut = "\n".join([HEADER, *rows])  # the last line has lost its line end
    parsed = read_data_file(CURRENCY, write(tmp_path, cut.encode()))
    [problem] = parsed.problems
    assert (problem.line, problem.message) == (
        4, "the last line does not end in \\n or \\r\\n as expected (file cut short?)")
    assert str(problem).startswith("gmp_cis_sta_dly_currency_20261127.csv line 4: ")


def test_chunk_boundaries_change_nothing(tmp_path, monkeypatch):
    """CRLF pairs and multi-byte characters split across read chunks are still whole."""
    from cistrade_core.gmp import parse

    good = (HEADER + "\r\nXOF|Côte d’Ivoire €|952|0|Y\r\nEUR|Euro|978|2|Y\r\n").encode()
    bad = (HEADER + "\nXOF|Côte d’Ivoire €|952|0|Y\nEUR|Eu\rro|978|2|Y\n").encode()
    for size in range(1, 9):
        monkeypatch.setattr(parse, "_CHUNK", size)
        assert read_data_file(CURRENCY, write(tmp_path, good)).ok, size
        [problem] = read_data_file(CURRENCY, write(tmp_path, bad)).problems
        assert (problem.line, problem.column, problem.message) == (
            3, "currency_name", "carriage return without a line feed at character 7 "
            "(expected lines ending in \\n or \\r\\n)"), size
        cut = read_data_file(CURRENCY, write(tmp_path, good[:good.index("€".encode()) + 2]))
        [problem] = cut.problems
        assert (problem.line, problem.column, problem.message) == (
            2, "currency_name", "file ends inside a UTF-8 character (expected UTF-8 text)"), size


def test_fields_are_split_on_pipes_only_and_quotes_are_data(tmp_path):
    data = (HEADER + '\nUSD|"US Dollar"|840|2|Y\nEUR|Euro, \'single\'|978|2|Y\n').encode()
    parsed = read_data_file(CURRENCY, write(tmp_path, data))
    assert parsed.ok
    assert parsed.table.column("currency_name").to_pylist() == ['"US Dollar"', "Euro, 'single'"]
    quoted_pipe = (HEADER + '\nUSD|"US|Dollar"|840|2|Y\n').encode()
    [problem] = read_data_file(CURRENCY, write(tmp_path, quoted_pipe)).problems
    assert (problem.line, problem.message) == (2, "expected 5 fields separated by '|', found 6")


def test_the_header_is_exactly_the_column_names_in_order(tmp_path):
    row = "\nUSD|US Dollar|840|2|Y\n"
    assert read_data_file(CURRENCY, write(tmp_path, (HEADER + row).encode())).ok
    names = CURRENCY.column_names
    for header in ("|".join([names[1], names[0], *names[2:]]), HEADER.upper(), HEADER + " ",
                   HEADER + "|extra", HEADER.replace("|", ",")):
        [problem] = read_data_file(CURRENCY, write(tmp_path, (header + row).encode())).problems
        assert (problem.line, problem.value) == (1, header)
        assert problem.message == f"header must be exactly {HEADER!r}"


def test_only_an_empty_field_is_null(tmp_path):
    data = (HEADER + "\nXAU|Gold|959||Y\nXAG|Silver|961| |Y\nXPT|NULL|962|NULL|Y\n").encode()
    parsed = read_data_file(CURRENCY, write(tmp_path, data))
    assert parsed.ok
    assert parsed.table.column("minor_units").to_pylist() == [None, " ", "NULL"]
    assert parsed.table.column("currency_name").to_pylist() == ["Gold", "Silver", "NULL"]


@settings(max_examples=200, deadline=None, database=None)
@given(data=st.binary(max_size=64) | st.text(max_size=32).map(
    lambda t: t.encode("utf-8", errors="surrogatepass")))
def test_the_fast_utf8_check_agrees_with_python(data):
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        assert not _is_utf8(data)
    else:
        assert _is_utf8(data)


def test_lines_of_a_late_block_keep_their_numbers(tmp_path):
    calendar = get_feed("calendar")
    lines = [calendar.header] + [f"C{i % 90:02d}|2026-12-{i % 28 + 1:02d}|Holiday number {i}"
                                 for i in range(400_000)]  # some 14 MB: two blocks or more
    late = len(lines) - 7
    lines[late] = "GB|2026-12-25"  # line late + 1 of the file
    lines[late + 2] = ""
    lines[late + 5] = "GB|2026-02-30|Not a day"
    path = tmp_path / "gmp_cis_sta_dly_calendar_20261127.csv"
    path.write_text("\n".join(lines) + "\n")
    parsed = read_data_file(calendar, path)
    assert parsed.table.column(0).num_chunks > 1
    assert [(p.line, p.message) for p in parsed.problems] == [
        (late + 1, "expected 3 fields separated by '|', found 2"),
        (late + 3, "blank line (expected 3 fields)"),
    ]
    assert parsed.data_lines == 400_000 and parsed.table.num_rows == 400_000 - 2
    assert parsed.line_numbers[-1] == 400_001
    assert parsed.table.column(2)[-1].as_py() == "Holiday number 399999"
    assert late + 1 not in parsed.line_numbers and late + 2 in parsed.line_numbers
    problems, total = check_types(parsed)
    assert total == 1
    assert [(p.line, p.column, p.message, p.value) for p in problems] == [
        (late + 6, "holiday_date", "must be a real date YYYY-MM-DD", "2026-02-30")]


def test_line_numbers_without_an_array_match_the_array_they_stand_for():
    import numpy as np

    from cistrade_core.gmp.parse import LineNumbers

    rng = np.random.default_rng(7)
    for _ in range(200):
        lines = int(rng.integers(0, 60))
        all_lines = np.arange(2, lines + 2)
        skipped = np.sort(rng.choice(all_lines, size=int(rng.integers(0, lines + 1)),
                                     replace=False)) if lines else np.empty(0, np.int64)
        kept = np.setdiff1d(all_lines, skipped)
        numbers = LineNumbers(len(kept), skipped.astype(np.int64))
        assert list(numbers) == kept.tolist() and len(numbers) == len(kept)
        if len(kept):
            rows = rng.integers(0, len(kept), size=5)
            assert numbers[rows].tolist() == kept[rows].tolist()
            assert numbers[-1] == kept[-1] and numbers[0] == kept[0]
            drop = np.unique(rng.integers(0, len(kept), size=3))
            assert list(numbers.without(drop)) == np.delete(kept, drop).tolist()
        assert all((n in numbers) is (n in kept) for n in range(0, lines + 4))


def test_a_bad_byte_far_into_a_file_is_located_by_its_line(tmp_path, monkeypatch):
    """Lines are counted only up to an offence, however many blocks come before it."""
    from cistrade_core.gmp import parse

    monkeypatch.setattr(parse, "_CHUNK", 4096)
    rows = [f"C{i:05d}|Currency {i}|{i % 1000:03d}|2|Y" for i in range(3000)]
    data = "\n".join([HEADER, *rows]).encode() + b"\nXOF|Fr\xe9nc|952|0|Y\n"
    [problem] = read_data_file(CURRENCY, write(tmp_path, data)).problems
    assert (problem.line, problem.column, problem.message) == (
        3002, "currency_name", "invalid UTF-8 byte 0xe9 at character 7 (expected UTF-8 text)")


def test_columns_that_repeat_their_values_are_held_once_per_value(tmp_path):
    """A code or date column is read dictionary-encoded, a unique one as plain text; the
    values read are the same either way."""
    import pyarrow as pa

    from cistrade_core.gmp.text import plain_table

    calendar = get_feed("calendar")
    rows = [(f"C{i % 7}", f"2026-12-{i % 28 + 1:02d}", f"Holiday {i}") for i in range(5000)]
    path = tmp_path / "gmp_cis_sta_dly_calendar_20261127.csv"
    path.write_text("\n".join([calendar.header, *("|".join(r) for r in rows)]) + "\n")
    parsed = read_data_file(calendar, path)
    assert parsed.ok
    types = {f.name: f.type for f in parsed.table.schema}
    assert pa.types.is_dictionary(types["calendar_code"])
    assert pa.types.is_dictionary(types["holiday_date"])
    assert types["holiday_name"] == pa.string()
    assert plain_table(parsed.table).to_pylist() == [
        dict(zip(calendar.column_names, r, strict=True)) for r in rows]
    assert parsed.table.column("calendar_code").chunk(0).dictionary.to_pylist() == [
        f"C{i}" for i in range(7)]


def test_a_file_read_in_many_ranges_reads_as_one(tmp_path, monkeypatch):
    """Ranges end at line ends and are read in parallel: the same rows, problems and line
    numbers, whatever the range size (a range ending right at a line end too)."""
    from cistrade_core.gmp import parse

    calendar = get_feed("calendar")
    lines = [calendar.header] + [f"C{i % 9}|2026-12-{i % 28 + 1:02d}|Holiday {i}"
                                 for i in range(3000)]
    lines[17] = "GB|2026-12-25"
    lines[1500] = ""
    lines[2999] = "GB|2026-12-25|Christmas|Day"
    path = tmp_path / "gmp_cis_sta_dly_calendar_20261127.csv"
    path.write_text("\r\n".join(lines) + "\r\nGB|2026-12-26|Boxing Day")  # the last line cut
    whole = read_data_file(calendar, path)
    assert whole.table.column(0).num_chunks == 1
    line_end = len(lines[0]) + 2 + len(lines[1]) + 2
    for size in (line_end - len(lines[0]) - 2, 100, 1000, 4096):
        monkeypatch.setattr(parse, "RANGE_BYTES", size)
        ranged = read_data_file(calendar, path)
        assert ranged.table.column(0).num_chunks > 10
        assert ranged.problems == whole.problems
        assert [p.line for p in ranged.problems] == [18, 1501, 3000, 3002]
        assert ranged.data_lines == whole.data_lines == 3001
        assert list(ranged.line_numbers) == list(whole.line_numbers)
        assert ranged.table.equals(whole.table)
