"""Processes taking turns on the DuckDB file: the lock file, the lease and its hand-over."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from cistrade_core.warehouse.duckdb_backend import DuckDBWarehouse
from cistrade_core.warehouse.duckdb_lease import Lease, WarehouseBusy, lease_for

HOLD = """
import sys, time
from cistrade_core.warehouse.duckdb_backend import DuckDBWarehouse
wh = DuckDBWarehouse(sys.argv[1])
with wh.keep_open():
    wh.execute("INSERT INTO gmp_cis.t VALUES (?)", [-1])
    print("held", flush=True)
    time.sleep(float(sys.argv[2]))
print("released", flush=True)
sys.stdin.read()
"""

INSERT = """
import sys
from cistrade_core.warehouse.duckdb_backend import DuckDBWarehouse
wh = DuckDBWarehouse(sys.argv[1], lock_timeout=60)
for i in range(int(sys.argv[2]), int(sys.argv[3])):
    with wh.transaction() as tx:
        tx.execute("INSERT INTO gmp_cis.t VALUES (?)", [i])
"""


@pytest.fixture
def wh(tmp_path):
    warehouse = DuckDBWarehouse(tmp_path / "warehouse.duckdb", lock_timeout=60)
    warehouse.execute("CREATE SCHEMA IF NOT EXISTS gmp_cis")
    warehouse.execute("CREATE TABLE gmp_cis.t (n BIGINT)")
    yield warehouse
    warehouse.close()


def _count(wh: DuckDBWarehouse) -> int:
    return wh.query("SELECT count(*) AS n FROM gmp_cis.t")[0]["n"]


def _start(script: str, *args: object) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", script, *map(str, args)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)


def test_a_unit_waits_for_the_holder_and_starts_as_soon_as_it_lets_go(wh):
    wh.close()
    holder = _start(HOLD, wh.path, 1.5)
    try:
        assert holder.stdout.readline().strip() == "held"
        start = time.monotonic()
        assert _count(wh) == 1          # waited for the other process, no error
        waited = time.monotonic() - start
        assert holder.stdout.readline().strip() == "released"
        assert 0.5 <= waited < 10
    finally:
        holder.communicate("", timeout=30)


def test_an_idle_holder_hands_the_file_over_when_another_process_asks(wh, monkeypatch):
    monkeypatch.setattr(Lease, "idle_close", 60.0)    # it would keep the file a minute
    assert _count(wh) == 0                            # this process now holds the file
    start = time.monotonic()
    writer = _start(INSERT, wh.path, 0, 5)
    assert writer.wait(timeout=50) == 0
    assert time.monotonic() - start < 30
    assert _count(wh) == 5


def test_two_processes_and_threads_writing_at_once_lose_nothing(wh):
    wh.close()
    others = [_start(INSERT, wh.path, 1000 * k, 1000 * k + 40) for k in (1, 2)]
    errors: list[BaseException] = []

    def write(first: int) -> None:
        try:
            for i in range(first, first + 10):
                with wh.transaction() as tx:
                    tx.execute("INSERT INTO gmp_cis.t VALUES (?)", [i])
        except BaseException as exc:   # noqa: BLE001 (reported below)
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(10 * k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert [p.wait(timeout=120) for p in others] == [0, 0]
    assert errors == []
    assert _count(wh) == 2 * 40 + 4 * 10


def test_a_holder_killed_with_the_file_open_does_not_block_the_others(wh):
    wh.close()
    holder = _start(HOLD, wh.path, 600)
    try:
        assert holder.stdout.readline().strip() == "held"
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=30)
    finally:
        holder.kill()
    assert _count(wh) == 1              # what it committed before dying is kept
    wh.execute("INSERT INTO gmp_cis.t VALUES (2)")
    assert _count(wh) == 2


def test_waiting_longer_than_the_lock_timeout_is_a_clear_error(wh):
    wh.close()
    holder = _start(HOLD, wh.path, 600)
    try:
        assert holder.stdout.readline().strip() == "held"
        impatient = DuckDBWarehouse(wh.path, lock_timeout=0.5)
        with pytest.raises(WarehouseBusy, match=r"warehouse\.duckdb stayed in use by another "
                                                r"process for 0\.5 s"):
            impatient.query("SELECT 1")
    finally:
        holder.kill()
        holder.wait(timeout=30)


def _child_count(path: str, out) -> None:
    out.put(DuckDBWarehouse(path).query("SELECT count(*) AS n FROM gmp_cis.t")[0]["n"])


def test_a_forked_child_takes_its_own_turn_and_leaves_the_parents_file_alone(wh):
    wh.execute("INSERT INTO gmp_cis.t VALUES (1)")
    assert lease_for(wh.path)._db is not None        # the parent holds the file open
    ctx = multiprocessing.get_context("fork")
    out = ctx.Queue()
    child = ctx.Process(target=_child_count, args=(str(wh.path), out))
    child.start()
    assert out.get(timeout=60) == 1
    child.join(timeout=60)
    assert child.exitcode == 0
    wh.execute("INSERT INTO gmp_cis.t VALUES (2)")
    assert _count(wh) == 2
    assert os.path.exists(f"{wh.path}.lock")


def test_a_batch_keeps_the_file_open_between_its_units_and_closes_it_after(wh, monkeypatch):
    monkeypatch.setattr(Lease, "idle_close", 0.05)
    lease = wh.lease
    with wh.batch():
        assert _count(wh) == 0
        time.sleep(0.5)                              # ten times the idle time
        assert lease._db is not None                 # still open: no checkpoint in between
        wh.execute("INSERT INTO gmp_cis.t VALUES (1)")
    deadline = time.monotonic() + 10
    while lease._db is not None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert lease._db is None                         # idle after the batch: closed


def test_a_batch_still_hands_the_file_to_a_process_that_waits(wh):
    with wh.batch():
        assert _count(wh) == 0
        writer = _start(INSERT, wh.path, 0, 5)
        assert writer.wait(timeout=50) == 0
        assert _count(wh) == 5
