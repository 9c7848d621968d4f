"""``cistrade fx`` commands, against the simulator and a real warehouse file."""

import json
import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner

from cistrade_core.cli import main
from cistrade_dev.smtp_server import free_port
from tests.fx_fixtures import KEYS, alert_mails
from tests.sessions import cli_login


@pytest.fixture(autouse=True)
def _restore_fx_log_level():
    yield
    logging.getLogger("cistrade_core.fx").setLevel(logging.NOTSET)


@pytest.fixture
def cli(fx_env, store, smtp_server):
    runner = CliRunner()

    def run(*args):
        return runner.invoke(main, ["fx", *args], catch_exceptions=False)
    return run


def test_load_show_convert(cli, fx_env):
    result = cli("load")
    assert result.exit_code == 0, result.output
    assert "(bloomberg): ok" in result.output and "164 fresh (164 from bloomberg)" in result.output
    shown = cli("show", "EURUSD", "usd/jpy")
    assert shown.exit_code == 0
    lines = shown.output.splitlines()
    assert lines[0].split()[:4] == ["PAIR", "BID", "ASK", "MID"]
    assert lines[1].startswith("EURUSD") and "bloomberg" in lines[1]
    assert lines[2].startswith("USDJPY")
    converted = cli("convert", "1000000", "EUR", "JPY")
    assert converted.exit_code == 0
    assert converted.output.startswith("1,000,000 EUR = ")
    assert "direct pair" in converted.output
    via_usd = cli("convert", "250", "KWD", "BRL")
    assert "triangulated through USD" in via_usd.output and "1 / USDKWD" in via_usd.output


def test_reuters_load_checks_divergence(cli):
    cli("load")
    result = cli("load", "--provider", "reuters")
    assert result.exit_code == 0
    assert "(reuters): ok" in result.output and "divergence over 25 bp: 0 pairs" in result.output


def test_exit_status_says_whether_fresh_rates_were_stored(cli, fx_env, smtp_server):
    assert cli("load").exit_code == 0
    fx_env.set_fault("bloomberg", "down")
    fx_env.set_fault("reuters", "down")
    result = cli("load")
    assert result.exit_code == 1
    assert "outage" in result.output
    assert "outage" in alert_mails(smtp_server)
    for key in KEYS.values():
        assert key not in result.output


def test_show_flags_stale_rates_and_unknown_pairs(cli, monkeypatch):
    assert cli("show").output.startswith("no FX rates stored yet")
    cli("load", "--quiet")
    monkeypatch.setenv("CISTRADE_FX_STALE_AFTER", "0")
    result = cli("show", "EURUSD", "XAUUSD")
    assert result.exit_code == 1
    assert "STALE" in result.output and "XAUUSD  no rate stored" in result.output
    as_json = [json.loads(line) for line in cli("show", "--json", "GBPUSD").output.splitlines()]
    assert as_json[0]["pair"] == "GBPUSD" and as_json[0]["stale"] is True
    assert cli("show", "EURO").exit_code == 2


def test_convert_errors(cli):
    cli("load", "--quiet")
    missing = cli("convert", "5", "XAU", "EUR")
    assert missing.exit_code == 1 and "no FX rate from XAU to EUR" in missing.output
    assert cli("convert", "five", "EUR", "USD").exit_code == 2
    assert cli("convert", "5", "EUR", "USD", "--at", "yesterday").exit_code == 2
    old = cli("convert", "5", "EUR", "USD", "--at", "2001-01-01T00:00:00Z")
    assert old.exit_code == 1 and "no FX rate" in old.output


def test_fault_health_and_release(cli, fx_env):
    cli("load", "--quiet")
    assert cli("fault", "--url", fx_env.url, "bloomberg=jump@EURUSD").exit_code == 0
    assert fx_env.faults()["bloomberg"].pairs == ("EURUSD",)
    cli("load", "--quiet")
    assert cli("fault", "--url", fx_env.url, "--clear", "bloomberg").exit_code == 0
    assert fx_env.faults() == {}
    health = cli("health", "--limit", "1").output
    assert "bloomberg: degraded" in health and "held 1" in health
    assert cli("release", "EURUSD").exit_code == 3  # a person's decision: needs a session
    cli_login({"cis-fx": "WRITE"})
    released = cli("release", "EURUSD")
    assert released.exit_code == 0 and "EURUSD: released mid" in released.output
    assert cli("release", "EURUSD").exit_code == 1
    assert cli("fault", "--url", fx_env.url, "nobody=down").exit_code == 2


def test_seed_currencies_fills_only_an_empty_table(fx_env, warehouse):
    runner = CliRunner()
    first = runner.invoke(main, ["fx", "seed-currencies"])
    assert first.exit_code == 0 and "ISO 4217 currencies written" in first.output
    second = runner.invoke(main, ["fx", "seed-currencies"])
    assert "left as it is" in second.output


def test_simulate_serves_until_stopped(cistrade_home):
    port = free_port()
    env = {**os.environ, "CISTRADE_BLOOMBERG_API_KEY": KEYS["bloomberg"]}
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "cistrade"), "fx", "simulate", "--port", str(port),
         "--fault", "bloomberg=500:1", "--seed", "3"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
    )
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if requests.get(f"http://127.0.0.1:{port}/_sim/health", timeout=1).ok:
                    break
            except requests.ConnectionError:
                time.sleep(0.1)
        else:
            pytest.fail("the simulator did not start")
        faults = requests.get(f"http://127.0.0.1:{port}/_sim/faults", timeout=5).json()
        assert faults["bloomberg"]["kind"] == "500"
        answer = requests.post(f"http://127.0.0.1:{port}/bloomberg/v1/fx/snapshot",
                               json={"securities": ["EURUSD BGN Curncy"]}, timeout=5,
                               headers={"Authorization": f"Bearer {KEYS['bloomberg']}"})
        assert answer.status_code == 500
    finally:
        proc.terminate()
        output, _ = proc.communicate(timeout=10)
    assert f"http://127.0.0.1:{port}/bloomberg" in output
    assert KEYS["bloomberg"] not in output
