"""``cistrade gmp``: the operator's commands."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from cistrade_core.cli import main
from cistrade_dev.gmp_samples import FAULTS
from tests.gmp.conftest import DAY, PREVIOUS_DAY, SCALE


def cli(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_generate_help_lists_every_fault():
    out = cli("gmp", "generate", "--help").output
    for name in FAULTS:
        assert name in out


def test_generate_load_status_round_trip(settings):
    gen = cli("gmp", "generate", "--date", str(DAY), "--scale", str(SCALE))
    assert gen.exit_code == 0
    assert "gmp_cis_sta_dly_calendar_20261127.csv" in gen.output
    load = cli("gmp", "load", "--date", str(DAY))
    assert load.exit_code == 0, load.output
    lines = load.output.strip().splitlines()
    assert [line.split()[:2] for line in lines] == [
        ["currency", "LOADED"], ["country", "LOADED"], ["calendar", "LOADED"],
        ["counterparty", "LOADED"]]
    status = cli("gmp", "status", "--from", str(DAY), "--to", str(DAY))
    assert status.exit_code == 0
    assert status.output.count("loaded") >= 4
    assert "2026-11-27    counterparty  loaded" in status.output


def test_a_rejected_feed_makes_load_exit_1(settings):
    cli("gmp", "generate", "--date", str(DAY), "--scale", str(SCALE), "--fault", "bad-value")
    load = cli("gmp", "load", "--date", str(DAY))
    assert load.exit_code == 1
    assert "counterparty  REJECTED" in load.output
    assert "must be one of BANK" in load.output


def test_held_feed_override_from_the_command_line(settings, tmp_path):
    landing = tmp_path / "drop"
    cli("gmp", "generate", "--date", str(PREVIOUS_DAY), "--scale", str(SCALE), "--out",
        str(landing))
    assert cli("gmp", "load", "--date", str(PREVIOUS_DAY), "--landing", str(landing)).exit_code == 0
    cli("gmp", "generate", "--date", str(DAY), "--scale", str(SCALE), "--out", str(landing),
        "--fault", "row-count-change")
    held = cli("gmp", "load", "--date", str(DAY), "--landing", str(landing))
    assert held.exit_code == 1 and "counterparty  HELD" in held.output
    released = cli("gmp", "load", "--date", str(DAY), "--landing", str(landing),
                   "--accept-row-count-change")
    assert released.exit_code == 0, released.output


def test_a_bad_date_is_refused_clearly():
    result = CliRunner().invoke(main, ["gmp", "load", "--date", "27/11/2026"])
    assert result.exit_code == 2
    assert "'27/11/2026' is not a date in YYYY-MM-DD form" in result.output


def test_the_console_script_runs_the_load(settings):
    cli("gmp", "generate", "--date", str(DAY), "--scale", str(SCALE))
    exe = Path(sys.executable).parent / "cistrade"
    out = subprocess.run([str(exe), "gmp", "load", "--date", str(DAY)], capture_output=True,
                         text=True, env=os.environ.copy(), timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.count("LOADED") == 4
