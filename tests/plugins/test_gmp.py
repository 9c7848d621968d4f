"""The Airflow glue of the GMP DAG: the business date of a run."""

from __future__ import annotations

from datetime import UTC, date, datetime

from cistrade_airflow.gmp import business_date


def test_a_run_loads_the_business_day_before_its_local_date():
    assert business_date({}, datetime(2026, 11, 28, 3, 0, tzinfo=UTC)) == date(2026, 11, 27)
    assert business_date(None, datetime(2026, 11, 28, 0, 30, tzinfo=UTC)) == date(2026, 11, 27)
    # Summer time: 23:30 UTC on 30 June is 00:30 on 1 July in London.
    assert business_date({}, datetime(2026, 6, 30, 23, 30, tzinfo=UTC)) == date(2026, 6, 30)


def test_the_business_date_param_wins():
    params = {"business_date": "2026-11-20", "accept_row_count_change": True}
    assert business_date(params, datetime(2026, 11, 28, 3, 0, tzinfo=UTC)) == date(2026, 11, 20)
    assert business_date({"business_date": None},
                         datetime(2026, 11, 28, 3, 0, tzinfo=UTC)) == date(2026, 11, 27)
