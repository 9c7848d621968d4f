"""The contract's files: names, the flat landing directory, and when a feed has arrived."""

from __future__ import annotations

from datetime import UTC, datetime

from cistrade_core.feeds import get_feed
from cistrade_core.gmp.outcome import FeedStatus
from cistrade_core.gmp.problems import CheckKind
from cistrade_dev.smtp_server import read_outbox
from tests.gmp.conftest import DAY

CURRENCY = get_feed("currency")
BEFORE_DEADLINE = datetime(2026, 11, 28, 2, 45, tzinfo=UTC)  # 02:45 London


def test_a_feed_arrives_with_its_control_file(gmp, drop, settings, clock):
    clock.now = BEFORE_DEADLINE
    drop(DAY)
    ctl = settings.landing_dir / CURRENCY.control_file_name(DAY)
    text = ctl.read_text()
    ctl.unlink()
    assert not gmp.arrived("currency", DAY)
    assert gmp.validate("currency", DAY).status is FeedStatus.WAITING
    ctl.write_text(text)
    assert gmp.arrived("currency", DAY)
    assert gmp.validate("currency", DAY).status is FeedStatus.VALIDATED


def test_a_data_file_without_its_control_file_is_not_read(gmp, settings, clock, smtp_server):
    settings.landing_dir.mkdir(parents=True, exist_ok=True)
    partial = settings.landing_dir / CURRENCY.data_file_name(DAY)
    partial.write_bytes(b"currency_code|curr\xe9")  # half transferred, not even UTF-8 yet
    clock.now = BEFORE_DEADLINE
    waiting = gmp.validate("currency", DAY)
    assert (waiting.status, waiting.kind) == (FeedStatus.WAITING, None)
    clock.now = datetime(2026, 11, 28, 4, 0, tzinfo=UTC)
    missing = gmp.validate("currency", DAY)
    assert (missing.status, missing.kind) == (FeedStatus.MISSING, CheckKind.ARRIVAL)
    assert "no control file gmp_cis_sta_dly_currency_20261127.ctl" in missing.reason
    subjects = [m["Subject"] for m in read_outbox(smtp_server.outbox)]
    assert subjects == ["[CisTrade GMP] missing file: currency 2026-11-27"]  # no format error


def test_a_control_file_without_its_data_file_is_rejected(gmp, drop, settings):
    drop(DAY)
    (settings.landing_dir / CURRENCY.data_file_name(DAY)).unlink()
    outcome = gmp.validate("currency", DAY)
    assert (outcome.status, outcome.kind) == (FeedStatus.REJECTED, CheckKind.FORMAT)
    assert ("gmp_cis_sta_dly_currency_20261127.csv: data file missing although "
            "gmp_cis_sta_dly_currency_20261127.ctl exists") in outcome.reason


def test_only_the_contract_file_names_count(gmp, drop, settings, clock):
    clock.now = BEFORE_DEADLINE
    files = drop(DAY)
    data = files["currency"]
    ctl = settings.landing_dir / CURRENCY.control_file_name(DAY)
    assert (data.name, ctl.name) == ("gmp_cis_sta_dly_currency_20261127.csv",
                                     "gmp_cis_sta_dly_currency_20261127.ctl")
    assert gmp.arrived("currency", DAY)
    for other in ("gmp_cis_sta_dly_currency_2026-11-27", "GMP_CIS_STA_DLY_CURRENCY_20261127",
                  "gmp_cis_sta_dly_currencies_20261127", "gmp_cis_sta_dly_currency_20261127.ctl"):
        ctl.rename(settings.landing_dir / f"{other}.ctl")
        data.rename(settings.landing_dir / f"{other}.csv")
        assert not gmp.arrived("currency", DAY), other
        assert gmp.validate("currency", DAY).status is FeedStatus.WAITING
        (settings.landing_dir / f"{other}.ctl").rename(ctl)
        (settings.landing_dir / f"{other}.csv").rename(data)


def test_files_in_a_sub_folder_of_the_landing_directory_do_not_arrive(gmp, drop, settings,
                                                                        clock):
    clock.now = BEFORE_DEADLINE
    sub = settings.landing_dir / "20261127"
    drop(DAY)
    sub.mkdir()
    for path in list(settings.landing_dir.glob("gmp_cis_sta_dly_currency_*")):
        path.rename(sub / path.name)
    assert not gmp.arrived("currency", DAY)
    assert gmp.validate("currency", DAY).status is FeedStatus.WAITING
    for path in sub.iterdir():
        path.rename(settings.landing_dir / path.name)
    assert gmp.validate("currency", DAY).status is FeedStatus.VALIDATED


def test_a_late_feed_is_still_picked_up_after_the_missing_file_alert(gmp, drop, settings,
                                                                     clock):
    clock.now = datetime(2026, 11, 28, 6, 0, tzinfo=UTC)
    assert gmp.validate("currency", DAY).status is FeedStatus.MISSING
    drop(DAY)
    assert gmp.run_feed("currency", DAY).status is FeedStatus.LOADED
