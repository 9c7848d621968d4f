"""Pushing a process's measurements to a real Pushgateway."""

from __future__ import annotations

import uuid

from cistrade_core.monitoring.acl_metrics import LOGIN_SECONDS
from cistrade_core.monitoring.push import push_measurements
from cistrade_dev.smtp_server import free_port
from tests.monitoring.servers import http


def test_a_push_lands_in_its_group(pushgateway):
    LOGIN_SECONDS.labels("success").observe(0.05)
    job = f"test_{uuid.uuid4().hex[:6]}"
    assert push_measurements(job, {"command": "acl"}, url=pushgateway.url)
    text = http(pushgateway.url + "/metrics")[1].decode()
    lines = [x for x in text.splitlines()
             if x.startswith("cistrade_acl_login_duration_seconds_count") and job in x
             and 'outcome="success"' in x]
    assert len(lines) == 1 and 'command="acl"' in lines[0] and float(lines[0].split()[-1]) >= 1


def test_an_unreachable_pushgateway_never_fails_the_caller(caplog):
    LOGIN_SECONDS.labels("success").observe(0.05)
    assert push_measurements("test", url=f"http://127.0.0.1:{free_port()}") is False
    assert "metrics not pushed" in caplog.text


def test_nothing_is_pushed_without_a_pushgateway(monkeypatch):
    monkeypatch.delenv("CISTRADE_PUSHGATEWAY_URL", raising=False)
    assert push_measurements("test") is False
