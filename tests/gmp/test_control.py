from datetime import UTC, date, datetime

import pytest

from cistrade_core.gmp.control import ControlFile, ControlFileError, read_control_file

DAY = date(2026, 11, 27)


def write(tmp_path, text: str):
    path = tmp_path / "gmp_cis_sta_dly_currency_20261127.ctl"
    path.write_text(text)
    return path


def test_reads_a_good_control_file(tmp_path):
    ctl = ControlFile("currency", DAY, 180, datetime(2026, 11, 28, 2, 0, 7, tzinfo=UTC))
    assert read_control_file(write(tmp_path, ctl.render()), "currency", DAY) == ctl


@pytest.mark.parametrize(("text", "expected"), [
    ("feed|business_date|row_count\ncurrency|20261127|180\n", "header must be"),
    ("feed|business_date|row_count|extract_timestamp\n", "found 1 lines"),
    ("feed|business_date|row_count|extract_timestamp\ncountry|20261127|1|2026-11-28T02:00:00Z",
     "column feed: feed must be 'currency'"),
    ("feed|business_date|row_count|extract_timestamp\ncurrency|20261126|1|2026-11-28T02:00:00Z",
     "business_date must be 20261127"),
    ("feed|business_date|row_count|extract_timestamp\ncurrency|20261127|ten|2026-11-28T02:00:00Z",
     "line 2, column row_count: row_count must be a whole number of 1 to 18 ASCII digits "
     "(value 'ten')"),
    ("feed|business_date|row_count|extract_timestamp\ncurrency|20261127|1|28/11/2026 02:00",
     "column extract_timestamp: extract_timestamp must be ISO-8601 UTC"),
    ("feed|business_date|row_count|extract_timestamp\ncurrency|20261127|1|2026-11-28T02:00:00+01:00",
     "must be ISO-8601 UTC"),
])
def test_bad_control_files_are_located(tmp_path, text, expected):
    with pytest.raises(ControlFileError) as err:
        read_control_file(write(tmp_path, text), "currency", DAY)
    assert expected in str(err.value)
    assert str(err.value).startswith("gmp_cis_sta_dly_currency_20261127.ctl")


HEAD = "feed|business_date|row_count|extract_timestamp"
GOOD = "currency|20261127|180|2026-11-28T02:00:07Z"


def problem_of(tmp_path, text: str):
    """The located problem of a control file that must be refused."""
    with pytest.raises(ControlFileError) as err:
        read_control_file(write(tmp_path, text), "currency", DAY)
    return err.value.problem


def fields(**values: str) -> str:
    row = dict(zip(HEAD.split("|"), GOOD.split("|"), strict=True)) | values
    return f"{HEAD}\n{'|'.join(row.values())}\n"


def test_control_file_is_one_header_line_and_one_data_line(tmp_path):
    for text in (f"{HEAD}\n{GOOD}\n", f"{HEAD}\r\n{GOOD}\r\n", f"{HEAD}\n{GOOD}",
                 f"\ufeff{HEAD}\n{GOOD}\n"):
        assert read_control_file(write(tmp_path, text), "currency", DAY).row_count == 180
    for text, found in ((f"{HEAD}\n", 1), (f"{HEAD}\n\n{GOOD}\n", 3), (f"{HEAD}\n{GOOD}\n\n", 3),
                        (f"{HEAD}\n{GOOD}\n{GOOD}\n", 3), ("", 0)):
        problem = problem_of(tmp_path, text)
        assert problem.message == f"expected a header line and one data line, found {found} lines"
    problem = problem_of(tmp_path, f"{HEAD.replace('|', ',')}\n{GOOD}\n")
    assert (problem.line, problem.message) == (1, f"header must be {HEAD}")
    problem = problem_of(tmp_path, f"{HEAD}\n{GOOD}|extra\n")
    assert (problem.line, problem.message) == (2, "expected 4 fields, found 5")


def test_feed_must_agree_with_the_file_name(tmp_path):
    assert read_control_file(write(tmp_path, fields(feed="currency")), "currency", DAY).feed == \
        "currency"
    for wrong in ("country", "Currency", ""):
        problem = problem_of(tmp_path, fields(feed=wrong))
        assert (problem.line, problem.column, problem.value) == (2, "feed", wrong)
        assert problem.message == "feed must be 'currency'"


def test_business_date_is_yyyymmdd_and_agrees_with_the_file_name(tmp_path):
    path = write(tmp_path, fields(business_date="20261127"))
    assert read_control_file(path, "currency", DAY).business_date == DAY
    for wrong in ("2026-11-27", "2026112", "202611270", "20261131", " 20261127"):
        problem = problem_of(tmp_path, fields(business_date=wrong))
        assert (problem.line, problem.column, problem.value) == (2, "business_date", wrong)
        assert problem.message == "business_date must be YYYYMMDD"
    problem = problem_of(tmp_path, fields(business_date="20261126"))
    assert (problem.column, problem.message) == ("business_date", "business_date must be 20261127")


def test_row_count_is_a_non_negative_whole_number(tmp_path):
    for count in ("0", "7", "100000"):
        path = write(tmp_path, fields(row_count=count))
        assert read_control_file(path, "currency", DAY).row_count == int(count)
    for wrong in ("-1", "+5", " 5", "1.0", "1e3", "", "²", "17²", "١٢", "１７", "9" * 19):
        problem = problem_of(tmp_path, fields(row_count=wrong))
        assert (problem.line, problem.column, problem.value) == (2, "row_count", wrong)
        assert problem.message == "row_count must be a whole number of 1 to 18 ASCII digits"


def test_a_control_file_is_read_only_up_to_4_kib(tmp_path):
    """A huge count (int() of 10,000 digits raises) or a huge file is refused, bounded."""
    problem = problem_of(tmp_path, fields(row_count="9" * 3000))
    assert problem.message.startswith("row_count must be a whole number")
    assert len(problem.value) <= 83 and len(str(problem)) < 300  # quotes at most 80 characters
    path = tmp_path / "gmp_cis_sta_dly_currency_20261127.ctl"
    with path.open("wb") as fh:
        fh.truncate(2 * 1024**3)  # 2 GB of NULs, sparse
    with pytest.raises(ControlFileError, match="larger than 4096 bytes"):
        read_control_file(path, "currency", DAY)


def test_extract_timestamp_is_iso8601_utc(tmp_path):
    for text, expected in (
            ("2026-11-28T02:00:07Z", datetime(2026, 11, 28, 2, 0, 7, tzinfo=UTC)),
            ("2026-11-28T02:00:07.250Z", datetime(2026, 11, 28, 2, 0, 7, 250000, tzinfo=UTC)),
            ("2026-11-28T02:00:07+00:00", datetime(2026, 11, 28, 2, 0, 7, tzinfo=UTC))):
        path = write(tmp_path, fields(extract_timestamp=text))
        assert read_control_file(path, "currency", DAY).extract_timestamp == expected
    for wrong in ("2026-11-28T02:00:07", "2026-11-28T03:00:07+01:00", "2026-11-28 02:00:07Z",
                  "20261128T020007Z", "2026-11-28T02:00Z", "2026-11-31T02:00:07Z",
                  "2026-11-28T02:00:07Z ", "28/11/2026 02:00"):
        problem = problem_of(tmp_path, fields(extract_timestamp=wrong))
        assert (problem.line, problem.column, problem.value) == (2, "extract_timestamp", wrong)
        assert problem.message == ("extract_timestamp must be ISO-8601 UTC, "
                                   "e.g. 2026-11-28T02:00:07Z")
