from datetime import UTC, date, datetime

import pytest

from cistrade_core.gmp.checks import check_timestamp, row_count_change
from cistrade_core.gmp.control import ControlFile
from cistrade_core.gmp.schedule import business_date_for_run, missing_deadline

DAY = date(2026, 11, 27)


def ctl(ts: datetime) -> ControlFile:
    return ControlFile("currency", DAY, 1, ts)


@pytest.mark.parametrize(("ts", "ok"), [
    (datetime(2026, 11, 28, 0, 0, tzinfo=UTC), True),
    (datetime(2026, 11, 28, 2, 0, 7, tzinfo=UTC), True),
    (datetime(2026, 11, 29, 12, 0, tzinfo=UTC), True),
    (datetime(2026, 11, 27, 23, 59, 59, tzinfo=UTC), False),
    (datetime(2026, 11, 29, 12, 0, 1, tzinfo=UTC), False),
])
def test_timestamp_window_is_next_day_midnight_plus_36_hours(ts, ok):
    assert (check_timestamp(ctl(ts), DAY, "x.ctl", None) == []) is ok


def test_timestamp_must_not_be_older_than_the_last_loaded_extract():
    last = datetime(2026, 11, 28, 2, 0, 7, tzinfo=UTC)
    assert check_timestamp(ctl(last), DAY, "x.ctl", last) == []
    [problem] = check_timestamp(ctl(datetime(2026, 11, 28, 1, tzinfo=UTC)), DAY, "x.ctl", last)
    assert "older than the last loaded one" in problem.message


def test_row_count_change_is_relative_to_the_last_loaded_day():
    assert row_count_change(110, 100) == pytest.approx(0.10)
    assert row_count_change(89, 100) == pytest.approx(-0.11)
    assert row_count_change(5, None) is None


def test_business_date_and_missing_deadline_follow_london_time():
    # 03:00 London in summer is 02:00 UTC; the run processes the previous day.
    assert business_date_for_run(datetime(2026, 7, 2, 2, 0, tzinfo=UTC), "Europe/London") == \
        date(2026, 7, 1)
    assert missing_deadline(date(2026, 7, 1), "Europe/London") == \
        datetime(2026, 7, 2, 2, 0, tzinfo=UTC)
    assert missing_deadline(DAY, "Europe/London") == datetime(2026, 11, 28, 3, 0, tzinfo=UTC)


def parsed_lines(data_lines: int):
    from pathlib import Path

    import numpy as np

    from cistrade_core.feeds import get_feed
    from cistrade_core.gmp.parse import ParsedFile

    return ParsedFile(get_feed("currency"), Path("gmp_cis_sta_dly_currency_20261127.csv"), None,
                      data_lines, np.arange(2, data_lines + 2))


def test_data_lines_must_equal_the_control_row_count():
    from cistrade_core.gmp.checks import check_control_count
    from cistrade_core.gmp.problems import CheckKind

    control = ControlFile("currency", DAY, 180, datetime(2026, 11, 28, 2, tzinfo=UTC))
    assert check_control_count(parsed_lines(180), control) == []
    for lines in (176, 181):
        [problem] = check_control_count(parsed_lines(lines), control)
        assert problem.kind is CheckKind.ROW_COUNT_CONTROL
        assert str(problem) == (f"gmp_cis_sta_dly_currency_20261127.csv: {lines} data lines but "
                                "the control file says 180")


@pytest.mark.parametrize(("rows", "previous", "held"), [
    (110, 100, False), (90, 100, False), (7_000, 7_000, False), (5, None, False),
    (111, 100, True), (89, 100, True), (5_250, 7_000, True),
])
def test_more_than_ten_percent_against_the_last_loaded_day_is_a_row_count_change(
        rows, previous, held):
    from cistrade_core.gmp.checks import check_row_count_change
    from cistrade_core.gmp.problems import CheckKind

    problems = check_row_count_change(parsed_lines(rows), rows, previous)
    assert bool(problems) is held
    if held:
        [problem] = problems
        assert problem.kind is CheckKind.ROW_COUNT_CHANGE
        assert f"{rows:,} rows against {previous:,} on the last loaded day" in problem.message
        assert "tolerance ±10%" in problem.message
