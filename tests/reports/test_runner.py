"""Reports built from the warehouse, archived, and mailed through the real SMTP server."""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import replace

import pytest

from cistrade_core.config import SmtpSettings
from cistrade_core.gmp.pipeline import GmpLoad
from cistrade_core.notify import Notifier, mails
from cistrade_core.reports.definition import get_definition
from cistrade_core.reports.runner import build_report, deliver, load_run
from cistrade_dev.gmp_samples import generate_drop
from cistrade_dev.smtp_server import free_port, read_outbox, start_server
from tests.gmp.conftest import DAY, SCALE


@pytest.fixture
def loaded_day(settings, warehouse):
    # counterparty rejected: the summary shows it
    generate_drop(DAY, settings.landing_dir, fault="bad-value", scale=SCALE)
    return GmpLoad(settings, warehouse).run_day(DAY)


def test_gmp_summary_is_built_archived_and_mailed(loaded_day, settings, warehouse, smtp_server):
    definition = get_definition("gmp_daily_load_summary")
    run = build_report(definition, DAY, settings=settings, warehouse=warehouse)
    folder = settings.home / "reports" / "gmp_daily_load_summary" / "2026-11-27"
    assert run.folder == folder
    assert sorted(p.name for p in run.files) == [
        "gmp_daily_load_summary_20261127.csv", "gmp_daily_load_summary_20261127.pdf",
        "gmp_daily_load_summary_20261127.xlsx"]
    rows = list(csv.DictReader((folder / "gmp_daily_load_summary_20261127.csv").open()))
    assert [(r["feed"], r["status"]) for r in rows] == [
        ("currency", "loaded"), ("country", "loaded"), ("calendar", "loaded"),
        ("counterparty", "rejected")]
    assert rows[3]["alerts"] == "1" and rows[3]["kinds"] == "data_quality"
    assert "must be one of BANK" in rows[3]["reason"]

    result = deliver(run, ["analyst@example.com"], settings=settings, warehouse=warehouse)
    assert result.sent
    [mail] = [m for m in read_outbox(smtp_server.outbox) if m["X-CisTrade-Report"]]
    assert mail["Subject"] == "CisTrade GMP load 2026-11-27: 3 of 4 feeds loaded"
    assert mail["To"] == "analyst@example.com"
    names = sorted(p.get_filename() for p in mail.iter_attachments())
    assert names == sorted(p.name for p in run.files)
    attached_csv = next(p for p in mail.iter_attachments() if p.get_filename().endswith(".csv"))
    assert attached_csv.get_content().splitlines()[0].startswith("business_date,feed,status")
    assert "1 rejected or held" in mail.get_body(("plain",)).get_content()
    logged = warehouse.query("SELECT sent, zipped FROM gmp_cis.cis_report_run "
                             "WHERE recipients IS NOT NULL")
    assert logged == [{"sent": True, "zipped": False}]


def test_a_large_mail_carries_the_files_zipped(loaded_day, settings, warehouse, smtp_server):
    run = build_report(get_definition("gmp_daily_load_summary"), DAY, settings=settings,
                       warehouse=warehouse)
    assert deliver(run, ["a@example.com"], settings=settings, warehouse=warehouse,
                   max_bytes=1000).sent
    [mail] = [m for m in read_outbox(smtp_server.outbox) if m["X-CisTrade-Report"]]
    [attachment] = list(mail.iter_attachments())
    assert attachment.get_filename() == "gmp_daily_load_summary_20261127.zip"
    with zipfile.ZipFile(io.BytesIO(attachment.get_content())) as zf:
        assert sorted(zf.namelist()) == sorted(p.name for p in run.files)


def test_a_failed_send_is_recorded_and_kept_for_retry(loaded_day, settings, warehouse):
    run = build_report(get_definition("gmp_daily_load_summary"), DAY, formats=["csv"],
                       settings=settings, warehouse=warehouse)
    down = replace(settings, smtp=SmtpSettings(port=free_port(), timeout=1))
    result = deliver(load_run(run.definition, DAY, run.folder), ["a@example.com"],
                     settings=down, warehouse=warehouse)
    assert not result.sent
    [kept] = mails(warehouse, topic="report", status="FAILED")  # kept for retry
    assert kept["mail_id"] == result.mail_id and "ConnectionRefused" in kept["error"]
    [logged] = warehouse.query("SELECT sent, error FROM gmp_cis.cis_report_run "
                               "WHERE recipients IS NOT NULL")
    assert logged["sent"] is False and "ConnectionRefused" in logged["error"]


def test_a_report_mail_kept_for_retry_goes_out_once_with_its_files(loaded_day, settings,
                                                                   warehouse):
    """The DAG delivers with its run's key: a retry sends the same mail, once, files zipped."""
    run = build_report(get_definition("gmp_daily_load_summary"), DAY, formats=["csv", "xlsx"],
                       settings=settings, warehouse=warehouse)
    port = free_port()
    down = replace(settings, smtp=SmtpSettings(port=port, timeout=1))
    key = "report:report_gmp_daily_load_summary:manual__1"
    for _ in range(2):  # the deliver task and its Airflow retry, the server still down
        assert not deliver(run, ["a@example.com"], settings=down, warehouse=warehouse,
                           max_bytes=1000, dedupe_key=key).sent
    [kept] = mails(warehouse, topic="report")
    assert (kept["status"], kept["attempts"]) == ("FAILED", 2)

    later = settings.home / "later"
    server = start_server(later, port)
    try:
        assert Notifier(down).retry(warehouse) == (1, 0)
    finally:
        server.stop()
    assert deliver(run, ["a@example.com"], settings=down, warehouse=warehouse, max_bytes=1000,
                   dedupe_key=key).sent  # already delivered: not sent again
    [mail] = read_outbox(later)
    assert mail["Message-ID"] == kept["message_id"]
    [attachment] = list(mail.iter_attachments())
    assert attachment.get_filename() == "gmp_daily_load_summary_20261127.zip"
    with zipfile.ZipFile(io.BytesIO(attachment.get_content())) as zf:
        assert sorted(zf.namelist()) == sorted(p.name for p in run.files)


def test_fx_snapshot_report_lists_current_rates(settings, warehouse, smtp_server):
    from datetime import UTC, datetime, timedelta
    from decimal import Decimal

    from cistrade_core.fx.store import FxStore
    from tests.fx_fixtures import seed_currency_table

    seed_currency_table(warehouse)
    store = FxStore(warehouse)
    store.ensure_schema()
    quoted = datetime(2026, 11, 27, 16, 0, tzinfo=UTC)
    loaded = quoted + timedelta(seconds=5)
    warehouse.execute(
        "INSERT INTO gmp_cis.cis_fx_rate VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        ["EURUSD", "EUR", "USD", Decimal("1.0840"), Decimal("1.0842"), Decimal("1.0841"),
         quoted.replace(tzinfo=None), "bloomberg", "EURUSD BGN Curncy", "run-1",
         loaded.replace(tzinfo=None)])
    run = build_report(get_definition("fx_rates_snapshot"), DAY, formats=["csv"],
                       settings=settings, warehouse=warehouse)
    rows = list(csv.DictReader(run.files[0].open()))
    assert rows == [{"pair": "EURUSD", "bid": "1.0840000000", "ask": "1.0842000000",
                     "mid": "1.0841000000", "source": "bloomberg",
                     "provider_ts": "2026-11-27 16:00:00", "age_minutes": "480",
                     "stale": "Y"}]
