"""The local HiveServer2 launcher: its failures are reported with the server log."""

from __future__ import annotations

import time

import pytest

from cistrade_dev.local_hiveserver import HiveServerError, LocalHiveServer


class _Fake(LocalHiveServer):
    def __init__(self, workdir, script: str, **kw) -> None:
        super().__init__(workdir, **kw)
        self.script = script

    def command(self) -> list[str]:
        return ["bash", "-c", self.script]


def test_a_server_that_dies_is_reported_with_its_log(tmp_path):
    server = _Fake(tmp_path, "echo 'Error: no JVM here' >&2; exit 3")
    with pytest.raises(HiveServerError, match="exited with code 3") as err:
        server.start()
    assert "no JVM here" in str(err.value)
    assert not server.running


def test_a_server_that_never_opens_its_port_is_stopped(tmp_path):
    pids = tmp_path / "pids"
    server = _Fake(tmp_path, f"echo starting; sleep 600 & echo $$ $! > {pids}; wait",
                   start_timeout=1.5)
    began = time.monotonic()
    with pytest.raises(HiveServerError, match="did not open") as err:
        server.start()
    assert "starting" in str(err.value)
    assert time.monotonic() - began < 20
    # The whole process group is gone, the background child included (at most a
    # zombie waiting for init to reap it). A killed process takes a moment to exit
    # on a loaded machine: allow it a few seconds.
    for pid in pids.read_text().split():
        deadline = time.monotonic() + 5
        while _state(pid) not in (None, "Z") and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _state(pid) in (None, "Z"), pid


def _state(pid: str) -> str | None:
    try:
        status = open(f"/proc/{pid}/status").read()
    except FileNotFoundError:
        return None
    return status.split("State:")[1].split()[0]


def test_the_command_binds_loopback_with_an_embedded_metastore(tmp_path):
    server = LocalHiveServer(tmp_path, port=12345)
    cmd = " ".join(server.command())
    assert "hive.server2.thrift.bind.host=127.0.0.1" in cmd
    assert "hive.server2.thrift.port=12345" in cmd
    assert f"databaseName={tmp_path.resolve() / 'metastore_db'}" in cmd
    assert "spark.ui.enabled=false" in cmd
