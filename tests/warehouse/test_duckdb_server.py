"""The warehouse server: a real server process on a Unix socket and its clients."""

from __future__ import annotations

import os
import pickle
import socket
import stat
import subprocess
import sys
import threading
import time
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from cistrade_core.acl.model import Access
from cistrade_core.warehouse import WriteConflict, wire
from cistrade_core.warehouse.duckdb_backend import DuckDBWarehouse
from cistrade_core.warehouse.remote_backend import RemoteWarehouse, WarehouseServerGone


def _serve(database: Path, sock: Path) -> subprocess.Popen:
    process = subprocess.Popen([sys.executable, "-m", "cistrade_core.warehouse.duckdb_server",
                                str(database), str(sock)])
    deadline = time.monotonic() + 30
    while not sock.exists():
        assert process.poll() is None, "the warehouse server exited"
        assert time.monotonic() < deadline, "the warehouse server did not start"
        time.sleep(0.02)
    return process


@pytest.fixture
def served(tmp_path):
    database = tmp_path / "warehouse.duckdb"
    local = DuckDBWarehouse(database)
    local.execute("CREATE SCHEMA gmp_cis")
    local.execute("CREATE TABLE gmp_cis.t (n BIGINT PRIMARY KEY, amount DECIMAL(18, 4), "
                  "stamp TIMESTAMP, day DATE, label VARCHAR, ok BOOLEAN)")
    local.close()
    sock = tmp_path / "wh.sock"
    process = _serve(database, sock)
    remote = RemoteWarehouse(sock)
    yield remote, process, database
    remote.close()
    if process.poll() is None:
        process.terminate()
        process.wait(timeout=20)


def test_statements_and_transactions_run_in_the_server_with_their_types(served):
    remote, process, _ = served
    sock = remote.path
    assert stat.S_IMODE(os.stat(sock).st_mode) == 0o600
    at = datetime(2026, 3, 4, 5, 6, 7, 890000, tzinfo=UTC)
    with remote.transaction() as tx:
        tx.execute("INSERT INTO gmp_cis.t VALUES (?, ?, ?, ?, ?, ?)",
                   [1, Decimal("12.3400"), at, date(2026, 3, 4), Access.READ, True])
        assert tx.query("SELECT count(*) AS n FROM gmp_cis.t") == [{"n": 1}]
        # another unit of work (another connection) does not see the open transaction
        assert remote.query("SELECT count(*) AS n FROM gmp_cis.t") == [{"n": 0}]
        assert tx.execute_update("UPDATE gmp_cis.t SET ok = ? WHERE n = ?", [False, 1]) == 1
        assert tx.queries([("SELECT n FROM gmp_cis.t", []),
                           ("SELECT ? AS x", [2])]) == [[{"n": 1}], [{"x": 2}]]
    rows = remote.query("SELECT * FROM gmp_cis.t")
    assert rows == [{"n": 1, "amount": Decimal("12.3400"), "stamp": at, "day": date(2026, 3, 4),
                     "label": "READ", "ok": False}]
    assert type(rows[0]["label"]) is str

    with pytest.raises(RuntimeError, match="stop"), remote.transaction() as tx:
        tx.execute("INSERT INTO gmp_cis.t (n) VALUES (?)", [2])
        raise RuntimeError("stop")
    assert remote.query("SELECT count(*) AS n FROM gmp_cis.t") == [{"n": 1}]

    with pytest.raises(duckdb.CatalogException, match="nope"):
        remote.query("SELECT * FROM gmp_cis.nope")
    with pytest.raises(WriteConflict), remote.transaction() as tx:
        tx.execute("INSERT INTO gmp_cis.t (n) VALUES (?)", [1])


def test_a_statement_sent_without_waiting_that_fails_fails_its_whole_unit(served):
    remote, _, _ = served
    good, bad = "INSERT INTO gmp_cis.t (n) VALUES (?)", "INSERT INTO gmp_cis.nope VALUES (?)"
    for statements in ([bad, good], [good, bad, good]):   # the first one fails, a later one
        with pytest.raises(duckdb.CatalogException, match="nope"), remote.transaction() as tx:
            for i, sql in enumerate(statements):
                tx.execute(sql, [i])                         # sent, the reply read later
        assert remote.query("SELECT count(*) AS n FROM gmp_cis.t") == [{"n": 0}]
    with pytest.raises(WriteConflict), remote.transaction() as tx:   # raised at the commit
        tx.execute("INSERT INTO gmp_cis.t (n) VALUES (5), (5)")
    with remote.transaction() as tx:                         # the connection is usable again
        tx.execute("INSERT INTO gmp_cis.t (n) VALUES (6)")
        assert tx.query("SELECT n FROM gmp_cis.t") == [{"n": 6}]
    assert remote.query("SELECT n FROM gmp_cis.t") == [{"n": 6}]


def test_two_clients_updating_one_row_at_once_one_gets_a_write_conflict(served):
    remote, _, _ = served
    remote.execute("INSERT INTO gmp_cis.t (n, label) VALUES (1, 'a')")
    entered = threading.Barrier(2)
    outcomes: list[str] = []

    def update(label: str) -> None:
        try:
            with remote.transaction() as tx:
                tx.query("SELECT label FROM gmp_cis.t WHERE n = 1")
                entered.wait(timeout=10)      # both transactions started from the same state
                tx.execute_update("UPDATE gmp_cis.t SET label = ? WHERE n = 1", [label])
            outcomes.append("committed")
        except WriteConflict:
            outcomes.append("conflict")

    threads = [threading.Thread(target=update, args=(x,)) for x in "bc"]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes) == ["committed", "conflict"]


def test_cli_processes_still_take_turns_on_the_file_with_the_server(served):
    remote, _, database = served
    remote.execute("INSERT INTO gmp_cis.t (n) VALUES (1)")
    other = subprocess.run([sys.executable, "-c", (
        "import sys\nfrom cistrade_core.warehouse.duckdb_backend import DuckDBWarehouse\n"
        "wh = DuckDBWarehouse(sys.argv[1], lock_timeout=60)\n"
        "wh.execute('INSERT INTO gmp_cis.t (n) VALUES (2)')\n"
        "print(wh.query('SELECT count(*) AS n FROM gmp_cis.t')[0]['n'])\n"), str(database)],
        capture_output=True, text=True, timeout=120, check=True)
    assert other.stdout.strip() == "2"
    assert remote.query("SELECT count(*) AS n FROM gmp_cis.t") == [{"n": 2}]


def test_a_killed_server_gives_a_clear_error(served):
    remote, process, _ = served
    assert remote.query("SELECT 1 AS one") == [{"one": 1}]
    process.kill()
    process.wait(timeout=20)
    for _ in range(2):   # the pooled connection, then a new one to the dead socket
        with pytest.raises(WarehouseServerGone, match="warehouse server on .* is not running"):
            remote.query("SELECT 1 AS one")


def test_a_transaction_left_open_by_a_client_that_went_away_is_rolled_back(served):
    remote, _, _ = served
    with socket.socket(socket.AF_UNIX) as s:
        s.connect(str(remote.path))
        wire.send(s, ("begin",))
        assert wire.receive(s) == ("ok", None)
        wire.send(s, ("execute", "INSERT INTO gmp_cis.t (n) VALUES (?)", [7]))
        assert wire.receive(s) == ("ok", None)
    deadline = time.monotonic() + 10
    while remote.query("SELECT count(*) AS n FROM gmp_cis.t WHERE n = 7")[0]["n"] != 0:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    remote.execute("INSERT INTO gmp_cis.t (n) VALUES (7)")   # the key is free again


class _Boom:
    def __reduce__(self):
        return (os.system, ("echo pwned",))


def test_restricted_deserialisation_refuses_other_types(served):
    remote, _, _ = served
    assert wire.loads(pickle.dumps([Decimal("1.5"), date(2026, 1, 2), datetime.now(UTC)]))
    with pytest.raises(wire.WireError, match="posix.system is not an allowed type"):
        wire.loads(pickle.dumps(_Boom()))
    with pytest.raises(wire.WireError, match="cannot send a PosixPath"):
        remote.query("SELECT ? AS p", [Path("/tmp")])
    # a client sending a forbidden class gets a refusal; the connection stays usable
    with socket.socket(socket.AF_UNIX) as s:
        s.connect(str(remote.path))
        wire.send(s, ("query", "SELECT ? AS x", [_Boom()]))
        reply = wire.receive(s)
        assert reply[:2] == ("error", "wire") and "not an allowed type" in reply[3]
        wire.send(s, ("query", "SELECT ? AS x", [1]))
        assert wire.receive(s) == ("ok", [{"x": 1}])
        wire.send(s, ("call", "replace_partition", []))
        assert "is not served" in wire.receive(s)[3]
        s.sendall(len(b"not a pickle").to_bytes(4, "big") + b"not a pickle")
        assert "malformed warehouse message" in wire.receive(s)[3]
        wire.send(s, ("query", "SELECT 2 AS x", []))
        assert wire.receive(s) == ("ok", [{"x": 2}])
