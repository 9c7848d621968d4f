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
     "line 2, column row_count: row_count must be a whole number (value 'ten')"),
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
