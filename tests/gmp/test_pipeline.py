"""The daily load through GmpLoad: the same code the DAG and the CLI run."""

from __future__ import annotations

from dataclasses import replace

import pytest

from cistrade_core import notify
from cistrade_core.config import SmtpSettings
from cistrade_core.feeds import FEEDS, get_feed
from cistrade_core.gmp.outcome import FeedStatus
from cistrade_core.gmp.pipeline import GmpLoad
from cistrade_core.gmp.problems import CheckKind
from cistrade_core.gmp.store import GmpStore
from cistrade_dev.gmp_samples import FAULTS
from cistrade_dev.smtp_server import free_port, read_outbox
from tests.gmp.conftest import DAY, PREVIOUS_DAY


def current_day(warehouse, feed: str):
    view = get_feed(feed).current_view
    rows = warehouse.query(f"SELECT DISTINCT business_date FROM gmp_cis.{view}")
    return [r["business_date"] for r in rows]


def snapshot(warehouse, feed: str):
    cols = ", ".join(get_feed(feed).column_names)
    return warehouse.query(
        f"SELECT business_date, {cols} FROM gmp_cis.{get_feed(feed).table} ORDER BY ALL")


def test_a_good_day_loads_every_feed(gmp, drop, warehouse, smtp_server):
    files = drop(DAY)
    outcomes = gmp.run_day(DAY)
    assert [(o.feed, o.status) for o in outcomes] == [(f, FeedStatus.LOADED) for f in FEEDS]
    for feed, path in files.items():
        lines = path.read_text().count("\n") - 1
        assert GmpStore(warehouse).current_rows(get_feed(feed)) == lines
        assert current_day(warehouse, feed) == [DAY]
    history = GmpStore(warehouse).load_history(DAY, DAY)
    assert {(r.feed, r.status, r.row_count) for r in history} == {
        (o.feed, "loaded", o.rows) for o in outcomes}
    assert read_outbox(smtp_server.outbox) == []
    typed = warehouse.query("SELECT minor_units, typeof(minor_units) AS t FROM "
                            "gmp_cis.gmp_cis_sta_dly_currency_current WHERE currency_code='JPY'")
    assert typed == [{"minor_units": 0, "t": "INTEGER"}]


def test_reloading_a_day_gives_identical_tables(gmp, drop, warehouse):
    drop(PREVIOUS_DAY)
    gmp.run_day(PREVIOUS_DAY)
    drop(DAY)
    gmp.run_day(DAY)
    before = {f: snapshot(warehouse, f) for f in FEEDS}
    outcomes = gmp.run_day(DAY)
    assert all(o.status is FeedStatus.LOADED for o in outcomes)
    assert {f: snapshot(warehouse, f) for f in FEEDS} == before


#: What the rejection reason of each fault must say.
FAULT_MESSAGES = {
    "missing": "no control file gmp_cis_sta_dly_counterparty_20261127.ctl",
    "empty": "empty file: gmp_cis_sta_dly_currency_20261127.csv: no data lines (header only)",
    "bad-header": "format error: gmp_cis_sta_dly_country_20261127.csv line 1: header must be",
    "bad-field-count": "line 12: expected 9 fields separated by '|', found 10",
    "bad-encoding": "invalid UTF-8 byte 0xf4",
    "bad-type": "column holiday_date: must be a real date YYYY-MM-DD",
    "truncated": "data lines but the control file says",
    "row-count-change": "significant row count change",
    "stale-timestamp": "line 2, column extract_timestamp: extract_timestamp must lie between "
                       "2026-11-28T00:00Z and 2026-11-29T12:00Z",
    "duplicate-key": "column currency_code: must be unique (duplicate value) (value 'USD')",
    "bad-lei": "column lei: LEI check digits are wrong (ISO 7064 MOD 97-10)",
    "bad-value": "column counterparty_type: must be one of BANK",
    "orphan-reference": "column country_code: must exist in country.country_code of the same "
                        "business day (value 'ZZ')",
    "unknown-parent": "column parent_id: must exist in counterparty.counterparty_id",
    "self-parent": "column parent_id: must differ from counterparty_id of the same line",
    "cut-last-line": "the last line does not end in \\n or \\r\\n as expected (file cut short?)",
}


def test_every_fault_kind_has_a_test_message():
    assert set(FAULT_MESSAGES) == set(FAULTS)


def dependents(feed: str) -> set[str]:
    """Feeds that cannot be checked when ``feed`` is rejected."""
    out = {f.name for f in FEEDS.values() if feed in f.upstream_feeds}
    return out | {d for child in out for d in dependents(child)}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_each_fault_is_caught_alerted_and_leaves_the_previous_day_current(
        fault, gmp, drop, warehouse, smtp_server):
    drop(PREVIOUS_DAY)
    assert all(o.status is FeedStatus.LOADED for o in gmp.run_day(PREVIOUS_DAY))
    spec = FAULTS[fault]
    drop(DAY, fault=fault)

    outcomes = {o.feed: o for o in gmp.run_day(DAY)}

    bad = outcomes[spec.feed]
    expected_status = {CheckKind.ARRIVAL: FeedStatus.MISSING,
                       CheckKind.ROW_COUNT_CHANGE: FeedStatus.HELD}.get(spec.kind,
                                                                        FeedStatus.REJECTED)
    assert bad.status is expected_status
    assert bad.kind is spec.kind
    assert FAULT_MESSAGES[fault] in bad.reason
    assert current_day(warehouse, spec.feed) == [PREVIOUS_DAY]
    blocked = dependents(spec.feed) if expected_status is FeedStatus.REJECTED else set()
    for name, outcome in outcomes.items():
        if name in blocked:
            assert outcome.status is FeedStatus.REJECTED
            assert f"feed of {DAY} did not pass its checks" in outcome.reason
            assert current_day(warehouse, name) == [PREVIOUS_DAY]
        elif name != spec.feed:
            assert outcome.status is FeedStatus.LOADED, (name, outcome.reason)
            assert current_day(warehouse, name) == [DAY]

    mails = read_outbox(smtp_server.outbox)
    alert = next(m for m in mails if m["X-CisTrade-Feed"] == spec.feed)
    assert alert["Subject"].strip() == f"[CisTrade GMP] {spec.kind.title}: {spec.feed} 2026-11-27"
    assert alert["X-CisTrade-Alert"] == str(spec.kind)
    body = alert.get_body(("plain",)).get_content()
    assert "Business date : 2026-11-27" in body
    assert FAULT_MESSAGES[fault].split(" (value")[0] in body
    assert alert["To"] == "gmp-support@example.com"
    logged = notify.mails(warehouse, topic=f"gmp.{spec.kind}", feed=spec.feed, business_date=DAY)
    assert len(logged) == 1 and logged[0]["status"] == "SENT"
    if expected_status is not FeedStatus.MISSING:
        [record] = [r for r in GmpStore(warehouse).load_history(DAY, DAY) if r.feed == spec.feed]
        assert record.status == str(expected_status)


@pytest.mark.parametrize("fault", [None, *FAULTS])
def test_a_day_read_in_small_ranges_is_judged_as_read_at_once(
        fault, settings, warehouse, clock, drop, monkeypatch):
    """Every feed read 2 KiB at a time, and staged in row groups of 7 rows: the same
    outcomes, problems (their lines too) and staged rows as each file read in one range."""
    import pyarrow.parquet as pq

    from cistrade_core.gmp import parse, pipeline

    seen, default = [], pipeline.STAGED_ROW_GROUP
    for size, group in ((parse.RANGE_BYTES, default), (2048, default), (2048, 7)):
        monkeypatch.setattr(parse, "RANGE_BYTES", size)
        monkeypatch.setattr(pipeline, "STAGED_ROW_GROUP", group)
        gmp = GmpLoad(settings, warehouse, now=clock)
        drop(PREVIOUS_DAY)
        gmp.run_day(PREVIOUS_DAY)
        drop(DAY, fault=fault)
        outcomes = [(o.feed, o.status, o.kind, o.reason, o.rows, o.problems, o.problem_count)
                    for o in gmp.run_day(DAY)]
        paths = {f: path for f in FEEDS
                 if (path := gmp.stage_dir(DAY) / f"{f}.parquet").exists()}
        staged = {f: pq.read_table(path).to_pylist() for f, path in paths.items()}
        for path in paths.values():  # whole row groups but the last
            sizes = [g.num_rows for g in (pq.ParquetFile(path).metadata.row_group(i)
                                          for i in range(pq.ParquetFile(path).num_row_groups))]
            assert all(n == group for n in sizes[:-1]) and 0 < sizes[-1] <= group
        seen.append((outcomes, staged))
    assert seen[0] == seen[1] == seen[2]
    assert fault is not None or len(seen[0][1]) == len(FEEDS)


def test_a_calendar_out_of_key_order_is_checked_for_repeats_across_its_ranges(
        gmp, drop, warehouse, monkeypatch):
    """Read 2 KiB at a time: the calendar in key order (as generated) is known unique as it
    is read; its lines reversed, its key is read back from the staged file once; a repeated
    key far apart in the reversed file is found on both lines."""
    from cistrade_core.gmp import parse, pipeline

    monkeypatch.setattr(parse, "RANGE_BYTES", 2048)
    read_back = []
    real_read = pipeline._Staging.read

    def read(staging, columns):
        read_back.append(columns)
        return real_read(staging, columns)

    monkeypatch.setattr(pipeline._Staging, "read", read)
    path = drop(DAY)["calendar"]
    header, *lines = path.read_text().splitlines(keepends=True)
    assert len(lines) * 40 > 4 * 2048  # several ranges
    [loaded] = gmp.run_day(DAY, feeds=["calendar"])
    assert loaded.status is FeedStatus.LOADED and read_back == []

    path.write_text(header + "".join(reversed(lines)))
    [loaded] = gmp.run_day(DAY, feeds=["calendar"])
    assert loaded.status is FeedStatus.LOADED and loaded.rows == len(lines)
    assert read_back == [["calendar_code", "holiday_date"]]

    code, day, _ = lines[-1].split("|")  # the reversed file's first line, line 2
    lines[1] = f"{code}|{day}|Another name\n"  # its line len(lines)
    path.write_text(header + "".join(reversed(lines)))
    [rejected] = gmp.run_day(DAY, feeds=["calendar"])
    assert rejected.status is FeedStatus.REJECTED and rejected.kind is CheckKind.DATA_QUALITY
    assert rejected.problem_count == 4  # both lines, both columns of the key
    assert all("duplicate key calendar_code + holiday_date" in p for p in rejected.problems)
    assert sorted(int(p.split(",")[0].rsplit(" ", 1)[1]) for p in rejected.problems) == \
        [2, 2, len(lines), len(lines)]
    assert current_day(warehouse, "calendar") == [DAY]  # the good load stays


def test_missing_file_alert_waits_for_the_deadline_and_is_sent_once(gmp, clock, smtp_server):
    from datetime import UTC, datetime

    clock.now = datetime(2026, 11, 28, 2, 45, tzinfo=UTC)  # 02:45 London: not late yet
    waiting = gmp.check_arrival("currency", DAY)
    assert waiting.status is FeedStatus.WAITING
    assert read_outbox(smtp_server.outbox) == []
    clock.now = datetime(2026, 11, 28, 3, 30, tzinfo=UTC)
    missing = gmp.check_arrival("currency", DAY)
    assert missing.status is FeedStatus.MISSING
    assert "1 h 30 min after the 02:00 extract" in missing.reason
    gmp.check_arrival("currency", DAY)
    mails = read_outbox(smtp_server.outbox)
    assert [m["Subject"] for m in mails] == ["[CisTrade GMP] missing file: currency 2026-11-27"]


def test_held_feed_is_released_by_the_operator_override(gmp, drop, warehouse, smtp_server):
    drop(PREVIOUS_DAY)
    gmp.run_day(PREVIOUS_DAY)
    drop(DAY, fault="row-count-change")
    held = {o.feed: o for o in gmp.run_day(DAY)}["counterparty"]
    assert held.status is FeedStatus.HELD
    assert "-25" in held.reason and "tolerance ±10%" in held.reason
    assert current_day(warehouse, "counterparty") == [PREVIOUS_DAY]
    mail = read_outbox(smtp_server.outbox)[-1]
    assert "--accept-row-count-change" in mail.get_body(("plain",)).get_content()

    [released] = gmp.run_day(DAY, feeds=["counterparty"], accept_row_count_change=True)
    assert released.status is FeedStatus.LOADED
    assert released.override
    assert current_day(warehouse, "counterparty") == [DAY]
    history = GmpStore(warehouse).load_history(DAY, DAY, "counterparty")
    statuses = [(r.status, r.override) for r in history]
    assert statuses == [("held", False), ("loaded", True)]


def test_a_rejected_redelivery_keeps_the_good_load_of_the_same_day(gmp, drop, warehouse):
    drop(DAY)
    gmp.run_day(DAY)
    good = snapshot(warehouse, "currency")
    drop(DAY, fault="duplicate-key")
    [outcome] = gmp.run_day(DAY, feeds=["currency"])
    assert outcome.status is FeedStatus.REJECTED
    assert snapshot(warehouse, "currency") == good
    with pytest.raises(Exception, match="has not passed its checks"):
        gmp.load("currency", DAY)  # nothing stale is left staged
    # the staged file written while the checks ran is gone with its temporary name
    assert not list(gmp.stage_dir(DAY).glob("currency.parquet*"))


def test_an_smtp_outage_never_hides_the_load_result(settings, warehouse, clock, drop):
    down = replace(settings, smtp=SmtpSettings(port=free_port(), timeout=1))
    gmp = GmpLoad(down, warehouse, now=clock)
    drop(DAY, fault="empty")
    outcomes = {o.feed: o for o in gmp.run_day(DAY)}
    assert outcomes["currency"].status is FeedStatus.REJECTED
    assert outcomes["calendar"].status is FeedStatus.LOADED
    [logged] = notify.mails(warehouse, topic="gmp", feed="currency", business_date=DAY)
    assert logged["status"] == "FAILED" and "ConnectionRefusedError" in logged["error"]
    assert len(notify.mails(warehouse, status="FAILED")) == 3  # currency and its dependents


def test_an_older_extract_than_the_last_loaded_one_is_rejected(gmp, drop, settings):
    from cistrade_core.gmp.control import ControlFile, read_control_file

    drop(DAY)
    gmp.run_day(DAY, feeds=["currency"])
    ctl_path = settings.landing_dir / get_feed("currency").control_file_name(DAY)
    ctl = read_control_file(ctl_path, "currency", DAY)
    from datetime import timedelta

    ctl_path.write_text(replace(ctl, extract_timestamp=ctl.extract_timestamp
                                - timedelta(minutes=30)).render())
    [outcome] = gmp.run_day(DAY, feeds=["currency"])
    assert outcome.status is FeedStatus.REJECTED
    assert "extract is older than the last loaded one" in outcome.reason
    assert isinstance(ctl, ControlFile)


def test_a_held_feed_is_not_loaded_without_the_override(gmp, drop, warehouse):
    from cistrade_core.gmp.pipeline import FeedNotReady

    drop(PREVIOUS_DAY)
    gmp.run_day(PREVIOUS_DAY)
    drop(DAY, fault="row-count-change")
    assert {o.feed: o for o in gmp.run_day(DAY)}["counterparty"].status is FeedStatus.HELD
    with pytest.raises(FeedNotReady, match="has not passed its checks \\(held: "):
        gmp.load("counterparty", DAY)
    [again] = gmp.run_day(DAY, feeds=["counterparty"])  # a re-run without the override
    assert again.status is FeedStatus.HELD
    assert current_day(warehouse, "counterparty") == [PREVIOUS_DAY]
    assert [r.status for r in GmpStore(warehouse).load_history(DAY, DAY, "counterparty")] == [
        "held", "held"]


def test_a_load_that_fails_half_way_leaves_nothing_partial(gmp, drop, warehouse):
    import pyarrow as pa
    import pyarrow.parquet as pq

    drop(PREVIOUS_DAY)
    gmp.run_day(PREVIOUS_DAY, feeds=["currency"])
    before = snapshot(warehouse, "currency")
    drop(DAY)
    assert gmp.validate("currency", DAY).status is FeedStatus.VALIDATED
    staged = gmp.stage_dir(DAY) / "currency.parquet"
    table = pq.read_table(staged)
    units = table.column("minor_units").to_pylist()
    units[-1] = "not a number"  # the last row cannot be written: the load fails there
    pq.write_table(table.set_column(3, "minor_units", pa.array(units, pa.string())), staged)
    with pytest.raises(Exception, match="not a number"):
        gmp.load("currency", DAY)
    assert snapshot(warehouse, "currency") == before
    assert current_day(warehouse, "currency") == [PREVIOUS_DAY]
    assert GmpStore(warehouse).load_history(DAY, DAY, "currency") == []


def test_utc_written_as_plus_zero_loads_the_same_tables_as_z(gmp, drop, warehouse, settings):
    import pyarrow.parquet as pq

    drop(DAY)
    gmp.run_day(DAY, feeds=["currency", "country", "counterparty"])
    as_z = snapshot(warehouse, "counterparty")
    path = settings.landing_dir / get_feed("counterparty").data_file_name(DAY)
    text = path.read_text()
    assert text.count("Z\n") == text.count("\n") - 1
    path.write_text(text.replace("Z\n", "+00:00\n"))
    [outcome] = gmp.run_day(DAY, feeds=["counterparty"])
    assert outcome.status is FeedStatus.LOADED
    assert snapshot(warehouse, "counterparty") == as_z
    staged = pq.read_table(gmp.stage_dir(DAY) / "counterparty.parquet", columns=["updated_at"])
    assert all(ts.endswith("Z") for ts in staged.column(0).to_pylist())  # what every engine reads


def test_the_staged_file_is_plain_text_in_row_groups_a_load_reads_in_parallel(
        gmp, drop, monkeypatch):
    import pyarrow as pa
    import pyarrow.parquet as pq

    from cistrade_core.gmp import pipeline

    monkeypatch.setattr(pipeline, "STAGED_ROW_GROUP", 100)
    files = drop(DAY)
    gmp.run_day(DAY, feeds=["calendar"])
    assert gmp.validate("calendar", DAY).status is FeedStatus.VALIDATED
    staged = gmp.stage_dir(DAY) / "calendar.parquet"
    rows = files["calendar"].read_text().count("\n") - 1
    meta = pq.read_metadata(staged)
    assert meta.num_rows == rows and meta.num_row_groups == -(-rows // 100)
    table = pq.read_table(staged)
    assert table.schema == pa.schema([(c, pa.string()) for c in get_feed("calendar").column_names])
    lines = files["calendar"].read_text().splitlines()[1:]
    assert ["|".join(r.values()) for r in table.to_pylist()] == lines


def test_feeds_that_do_not_reference_each_other_run_at_once(gmp, drop, monkeypatch):
    """The calendar and the counterparties are in progress together, their files read in
    turn (what is checked once a file is read may overlap the next file's reading); each
    starts after what it references."""
    import threading
    import time

    drop(DAY)
    spans: dict[str, tuple[float, float]] = {}
    checks: dict[str, tuple[float, float]] = {}
    from cistrade_core.gmp.parse import DataFileScan

    run_feed, read = GmpLoad.run_feed, DataFileScan.__iter__
    both = threading.Barrier(2, timeout=30)

    def timed(self, name, day, **kwargs):
        if name in ("calendar", "counterparty"):
            both.wait()                      # fails unless the two run at the same time
        start = time.monotonic()
        outcome = run_feed(self, name, day, **kwargs)
        spans[name] = (start, time.monotonic())
        return outcome

    def timed_read(self):
        start = time.monotonic()
        yield from read(self)
        checks[self.feed.name] = (start, time.monotonic())

    monkeypatch.setattr(GmpLoad, "run_feed", timed)
    monkeypatch.setattr(DataFileScan, "__iter__", timed_read)
    outcomes = gmp.run_day(DAY)
    assert [(o.feed, o.status) for o in outcomes] == [(f, FeedStatus.LOADED) for f in FEEDS]
    for feed in ("calendar", "counterparty"):
        for upstream in set(get_feed(feed).upstream_feeds) - {feed}:
            assert spans[upstream][1] <= spans[feed][0], (upstream, feed)
    first, second = sorted((checks["calendar"], checks["counterparty"]))
    assert first[1] <= second[0]             # one file read at a time


def test_a_step_that_fails_stops_the_feeds_that_reference_it(gmp, drop, monkeypatch):
    drop(DAY)
    started = []
    run_feed = GmpLoad.run_feed

    def failing(self, name, day, **kwargs):
        started.append(name)
        if name == "country":
            raise OSError("the disk went away")
        return run_feed(self, name, day, **kwargs)

    monkeypatch.setattr(GmpLoad, "run_feed", failing)
    with pytest.raises(OSError, match="the disk went away"):
        gmp.run_day(DAY)
    referencing = {f for f in FEEDS if "country" in get_feed(f).upstream_feeds}
    assert referencing and not referencing & set(started)
