"""Report queries and run records under the rules of Impala/Kudu and Hive: row
operations only, portable SQL, no engine-specific scripts (see :mod:`tests.kudu_on_duckdb`)."""

from __future__ import annotations

from datetime import datetime

import pytest

from cistrade_core.gmp.pipeline import GmpLoad
from cistrade_core.reports.definition import get_definition
from cistrade_core.reports.queries import _hours_between
from cistrade_core.reports.runner import build_report, deliver
from cistrade_dev.gmp_samples import generate_drop
from cistrade_dev.smtp_server import read_outbox
from tests.gmp.conftest import DAY, SCALE
from tests.kudu_on_duckdb import KuduOnDuckDB

from .test_core_reports import AS_OF, rows, workflow


def test_gmp_summary_is_built_and_recorded(settings, warehouse, smtp_server):
    generate_drop(DAY, settings.landing_dir, fault="bad-value", scale=SCALE)
    GmpLoad(settings, warehouse).run_day(DAY)
    deferred = KuduOnDuckDB.over(warehouse, refuse_reads_after_writes=True)
    run = build_report(get_definition("gmp_daily_load_summary"), DAY, formats=["csv"],
                       settings=settings, warehouse=deferred)
    summary = [(r["feed"], r["status"], r["alerts"], r["kinds"]) for r in rows(run)]
    assert summary == [("currency", "loaded", "0", ""), ("country", "loaded", "0", ""),
                       ("calendar", "loaded", "0", ""),
                       ("counterparty", "rejected", "1", "data_quality")]
    assert deliver(run, ["a@example.com"], settings=settings, warehouse=deferred).sent
    assert [m["X-CisTrade-Report"] for m in read_outbox(smtp_server.outbox)
            if m["X-CisTrade-Report"]] == ["gmp_daily_load_summary"]
    logged = warehouse.query("SELECT report, as_of, formats, row_count, recipients, sent "
                             "FROM gmp_cis.cis_report_run ORDER BY recorded_at")
    assert logged == [
        {"report": "gmp_daily_load_summary", "as_of": DAY, "formats": "csv", "row_count": 4,
         "recipients": None, "sent": None},
        {"report": "gmp_daily_load_summary", "as_of": DAY, "formats": "csv", "row_count": 4,
         "recipients": "a@example.com", "sent": True},
    ]
    assert deferred.units == 2 + 2  # one unit of work per run record, two for the mail
    # (recorded as being sent, then marked sent)


def test_core_reports_run_on_portable_sql(core, login, clock, settings, core_wh):
    workflow(core, login, clock)
    deferred = KuduOnDuckDB.over(core_wh, refuse_reads_after_writes=True)
    pending = build_report(get_definition("pending_approvals"), AS_OF, formats=["csv"],
                           settings=settings, warehouse=deferred)
    [row] = rows(pending)
    # submitted 2026-03-02 09:40, counted to the end of the day as date_diff('hour') does
    assert (row["change"], row["waiting_hours"]) == ("CREATE", "15")
    for name in ("portfolio_activity", "audit_log_monthly"):
        assert rows(build_report(get_definition(name), AS_OF, formats=["csv"],
                                 settings=settings, warehouse=deferred))
    snapshot = build_report(get_definition("fx_rates_snapshot"), AS_OF, formats=["csv"],
                            settings=settings, warehouse=deferred)
    assert snapshot.data.summary == {"pairs": 0, "stale": 0}


@pytest.mark.parametrize(("start", "end"), [
    ("2026-03-02 09:40", "2026-03-03 00:00"), ("2026-03-02 10:01", "2026-03-02 11:00:30"),
    ("2026-03-02 10:59:59", "2026-03-02 11:00"), ("2026-03-02 11:00", "2026-03-02 11:59"),
    ("2026-02-27 23:30", "2026-03-02 00:00"),
])
def test_waiting_hours_count_as_date_diff_did(warehouse, start, end):
    a, b = datetime.fromisoformat(start), datetime.fromisoformat(end)
    [sql] = warehouse.query("SELECT date_diff('hour', ?, ?) AS h", [a, b])
    assert _hours_between(a, b) == sql["h"]
