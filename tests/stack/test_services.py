"""Every service of the local production stack is healthy and listens on loopback only."""

from __future__ import annotations

import psutil

SERVICES = ("postgres", "redis", "smtp", "api-server", "scheduler", "dag-processor",
            "triggerer", "worker")


def listening(pid: int) -> set[tuple[str, int]]:
    """The TCP addresses ``pid`` and its children listen on."""
    parent = psutil.Process(pid)
    found = set()
    for proc in [parent, *parent.children(recursive=True)]:
        try:
            found |= {(c.laddr.ip, c.laddr.port) for c in proc.net_connections(kind="tcp")
                      if c.status == psutil.CONN_LISTEN}
        except psutil.NoSuchProcess:
            continue
    return found


def test_every_service_runs_and_listens_on_loopback_only(stack, timed):
    status = stack.run("status").stdout
    for name in SERVICES:
        assert f"{name} running" in status, status
    ports = stack.ports
    addresses = {name: listening(stack.pid(name)) for name in SERVICES}
    assert ("127.0.0.1", ports["CISTRADE_STACK_PG_PORT"]) in addresses["postgres"]
    assert ("127.0.0.1", ports["CISTRADE_STACK_REDIS_PORT"]) in addresses["redis"]
    assert ("127.0.0.1", ports["CISTRADE_SMTP_PORT"]) in addresses["smtp"]
    assert ("127.0.0.1", ports["AIRFLOW__API__PORT"]) in addresses["api-server"]
    assert ("127.0.0.1", ports["CISTRADE_STACK_HEALTH_PORT"]) in addresses["scheduler"]
    exposed = {name: [a for a in found if a[0] != "127.0.0.1"]
               for name, found in addresses.items()}
    assert not any(exposed.values()), exposed
