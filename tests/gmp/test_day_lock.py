"""Two loads of one day can't trip each other: runs of a day are serialised by a lock,
and every run stages in a folder of its own."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cistrade_core.gmp.day_lock import DayLock, LoadAlreadyRunning
from cistrade_core.gmp.outcome import FeedStatus
from cistrade_core.gmp.pipeline import GmpLoad
from cistrade_core.gmp.store import GmpStore

from .conftest import DAY, PREVIOUS_DAY

CLI = [str(Path(sys.executable).parent / "cistrade"), "gmp", "load", "--date", str(DAY)]


def start_load() -> subprocess.Popen:
    return subprocess.Popen(CLI, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=os.environ.copy())


def test_two_loads_of_one_day_started_0_3_s_apart(settings, warehouse, drop):
    drop(DAY, scale=0.1)  # big enough that the first run still holds the day
    first = start_load()
    time.sleep(0.3)
    second = start_load()
    results = [(p.wait(timeout=300), *p.communicate(timeout=60)) for p in (first, second)]
    codes = sorted(code for code, _, _ in results)
    assert codes in ([0, 0], [0, 75]), results
    for code, out, err in results:
        assert "Traceback" not in out + err
        if code == 75:
            assert f"a GMP load of {DAY} is already running: run gmp-" in err
            assert "Run it again when that run has finished" in err and out == ""
    history = GmpStore(warehouse).load_history(DAY, DAY)
    assert {r.status for r in history} == {"loaded"}
    assert {r.feed for r in history} == {"currency", "country", "calendar", "counterparty"}
    stage = settings.staging_dir / f"{DAY:%Y%m%d}"
    assert not stage.exists() or list(stage.iterdir()) == []  # each run removed its folder


def test_a_held_day_refuses_a_second_run_clearly_and_does_nothing(settings, warehouse, drop):
    drop(DAY)
    with DayLock(settings.staging_dir / "locks", DAY, "manual__2026-11-28T03:00:00").held():
        out = subprocess.run(CLI, capture_output=True, text=True, env=os.environ.copy(),
                             timeout=300)
    assert out.returncode == 75
    assert out.stderr.startswith(f"Error: a GMP load of {DAY} is already running: run "
                                 "manual__2026-11-28T03:00:00 (pid ")
    assert "Traceback" not in out.stderr and out.stdout == ""
    assert GmpStore(warehouse).load_history(DAY, DAY) == []
    again = subprocess.run(CLI, capture_output=True, text=True, env=os.environ.copy(),
                           timeout=300)
    assert again.returncode == 0, again.stderr  # released: the day loads


def test_a_step_waits_a_bounded_time_and_other_days_do_not_wait(settings, warehouse, drop,
                                                               clock):
    drop(DAY)
    drop(PREVIOUS_DAY)
    waiting = GmpLoad(settings, warehouse, now=clock, lock_wait=0.5)
    with DayLock(settings.staging_dir / "locks", DAY, "other-run").held():
        started = time.monotonic()
        with pytest.raises(LoadAlreadyRunning, match=r"run other-run .* after waiting 0.5 s"):
            waiting.validate("currency", DAY)
        assert 0.4 < time.monotonic() - started < 5
        assert waiting.validate("currency", PREVIOUS_DAY).status is FeedStatus.VALIDATED


def test_each_run_stages_apart_so_a_rejection_removes_nothing_of_another(
        settings, warehouse, drop, clock):
    drop(DAY)
    first = GmpLoad(settings, warehouse, now=clock, run_id="first")
    second = GmpLoad(settings, warehouse, now=clock, run_id="second")
    assert first.validate("currency", DAY).status is FeedStatus.VALIDATED
    data = settings.landing_dir / "gmp_cis_sta_dly_currency_20261127.csv"
    good = data.read_bytes()
    data.write_bytes(good.replace(b"\n", b"\r", 3))  # a spoilt redelivery
    assert second.validate("currency", DAY).status is FeedStatus.REJECTED
    assert first.stage_dir(DAY) != second.stage_dir(DAY)
    assert first.load("currency", DAY).status is FeedStatus.LOADED  # its stage is intact


def test_a_stale_stage_of_a_crashed_run_is_removed_by_the_next_run(settings, warehouse, drop,
                                                                  clock):
    drop(DAY)
    crashed = settings.staging_dir / f"{DAY:%Y%m%d}" / "crashed-run"
    crashed.mkdir(parents=True)
    (crashed / "currency.parquet").write_bytes(b"stale")
    recent = crashed.with_name("running-run")
    recent.mkdir()
    three_days_ago = time.time() - 3 * 86400
    os.utime(crashed, (three_days_ago, three_days_ago))
    run = GmpLoad(settings, warehouse, now=clock, run_id="next")
    assert run.validate("currency", DAY).status is FeedStatus.VALIDATED
    assert not crashed.exists() and recent.exists()


def test_an_airflow_run_id_is_one_safe_folder(settings, warehouse, clock):
    run = GmpLoad(settings, warehouse, now=clock, run_id="../../manual__2026-11-28T03:00:00+00:00")
    folder = run.stage_dir(DAY)
    assert folder.parent == settings.staging_dir / "20261127"
    assert "/" not in folder.name and not folder.name.startswith(".")
    assert "manual__2026-11-28T03_00_00_00_00-" in folder.name


def test_the_threads_of_one_run_share_its_hold_of_the_day(tmp_path):
    import threading

    folder = tmp_path / "locks"
    lock = DayLock(folder, DAY, "run-a")
    other = DayLock(folder, DAY, "run-b")
    inside, go = threading.Barrier(3, timeout=10), threading.Event()

    def step():
        with lock.held():
            inside.wait()
            go.wait(10)

    threads = [threading.Thread(target=step) for _ in range(2)]
    with lock.held():
        for t in threads:
            t.start()
        inside.wait()                   # three holds of the day at once, one run
        with pytest.raises(LoadAlreadyRunning, match="run-a"):
            with other.held():
                pass
    with pytest.raises(LoadAlreadyRunning):   # the steps still hold it
        with other.held():
            pass
    go.set()
    for t in threads:
        t.join(10)
    with other.held():                  # released with the last hold
        pass
