"""Landing files are what they claim: only regular files inside the landing directory
are read; links, directories, unreadable and oversized files are recorded, alerted
rejections that never quote another file's content."""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cistrade_core import notify
from cistrade_core.feeds import get_feed
from cistrade_core.gmp.outcome import FeedStatus
from cistrade_core.gmp.parse import MAX_HEADER_BYTES
from cistrade_core.gmp.store import GmpStore

from .conftest import DAY

SECRET = "TOP-SECRET-7731|do not show"
CURRENCY = get_feed("currency")


def data(settings) -> Path:
    return settings.landing_dir / CURRENCY.data_file_name(DAY)


def control(settings) -> Path:
    return settings.landing_dir / CURRENCY.control_file_name(DAY)


def everything_recorded(warehouse, smtp_server) -> str:
    """Every text the load left: load history, outbox rows, received mail files."""
    texts = [repr(r) for r in GmpStore(warehouse).load_history(DAY, DAY)]
    texts += [repr(m) for m in notify.mails(warehouse, topic="gmp")]
    texts += [p.read_text(errors="replace") for p in Path(smtp_server.outbox).glob("*.eml")]
    return "\n".join(texts)


def rejected(gmp, warehouse, expected: str):
    """Run the currency feed; it must be a recorded, alerted rejection saying ``expected``."""
    [outcome] = gmp.run_day(DAY, feeds=["currency"])
    assert outcome.status is FeedStatus.REJECTED, outcome.reason
    assert expected in outcome.reason
    assert len(outcome.reason) < 400
    [record] = GmpStore(warehouse).load_history(DAY, DAY, "currency")
    assert record.status == "rejected" and expected in record.reason
    [alert] = notify.mails(warehouse, topic="gmp.format_error", feed="currency",
                           business_date=DAY)
    assert expected in alert["body_text"]
    return outcome


@pytest.fixture
def secret_file(tmp_path) -> Path:
    path = tmp_path / "elsewhere" / "secret.txt"
    path.parent.mkdir()
    path.write_text(SECRET + "\n")
    return path


def test_a_data_file_link_to_another_file_is_refused_and_never_quoted(
        gmp, drop, settings, warehouse, smtp_server, secret_file):
    drop(DAY)
    data(settings).unlink()
    data(settings).symlink_to(secret_file)
    rejected(gmp, warehouse, "is a symbolic link, not read")
    assert "TOP-SECRET" not in everything_recorded(warehouse, smtp_server)


def test_a_link_to_a_valid_data_file_elsewhere_is_not_loaded(gmp, drop, settings, warehouse,
                                                             tmp_path):
    drop(DAY)
    elsewhere = tmp_path / "valid.csv"
    shutil.move(data(settings), elsewhere)
    data(settings).symlink_to(elsewhere)
    rejected(gmp, warehouse, "symbolic link")
    assert warehouse.query("SELECT count(*) AS n FROM gmp_cis.gmp_cis_sta_dly_currency")[0][
        "n"] == 0


def test_a_control_file_link_is_refused_even_when_dangling(gmp, drop, settings, warehouse,
                                                           smtp_server, secret_file):
    drop(DAY)
    control(settings).unlink()
    control(settings).symlink_to(secret_file)
    rejected(gmp, warehouse, "gmp_cis_sta_dly_currency_20261127.ctl: is a symbolic link")
    control(settings).unlink()
    control(settings).symlink_to(settings.landing_dir / "nowhere")
    warehouse.execute("DELETE FROM gmp_cis.gmp_load_history")
    warehouse.execute("DELETE FROM gmp_cis.cis_mail_outbox")
    rejected(gmp, warehouse, "is a symbolic link")  # it arrived, and was refused
    assert "TOP-SECRET" not in everything_recorded(warehouse, smtp_server)


@pytest.mark.parametrize("which", ["data", "control"])
def test_a_directory_named_like_a_landing_file_is_refused(gmp, drop, settings, warehouse, which):
    drop(DAY)
    path = data(settings) if which == "data" else control(settings)
    path.unlink()
    path.mkdir()
    (path / "inner.csv").write_text(SECRET)
    rejected(gmp, warehouse, "is a directory, not read")


def test_a_named_pipe_is_refused_without_blocking(gmp, drop, settings, warehouse):
    drop(DAY)
    data(settings).unlink()
    os.mkfifo(data(settings))
    rejected(gmp, warehouse, "is a named pipe, not read")


def test_an_unreadable_data_file_is_a_recorded_rejection(drop, settings, warehouse):
    """Run as a user who may not read the file (as root: without the override capability)."""
    drop(DAY)
    data(settings).chmod(0)
    exe = Path(sys.executable).parent / "cistrade"
    command = [str(exe), "gmp", "load", "--date", str(DAY), "--feed", "currency"]
    if os.geteuid() == 0:
        command = ["setpriv", "--bounding-set", "-dac_override,-dac_read_search",
                   "--inh-caps", "-dac_override,-dac_read_search", *command]
    out = subprocess.run(command, capture_output=True, text=True, env=os.environ.copy(),
                         timeout=300)
    assert out.returncode == 1, out.stderr
    assert "Traceback" not in out.stdout + out.stderr
    assert "cannot be read (Permission denied)" in out.stdout
    [record] = GmpStore(warehouse).load_history(DAY, DAY, "currency")
    assert record.status == "rejected" and "Permission denied" in record.reason
    assert notify.mails(warehouse, topic="gmp.format_error", feed="currency")


def test_a_2_gb_file_of_nuls_is_refused_after_its_first_64_kib(gmp, drop, settings, warehouse):
    drop(DAY)
    with data(settings).open("wb") as fh:
        fh.truncate(2 * 1024**3)  # sparse: no disk space, 2 GB to read
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.monotonic()
    rejected(gmp, warehouse, f"no line end in the first {MAX_HEADER_BYTES:,} bytes")
    assert time.monotonic() - started < 20
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mb < 200


def test_nul_bytes_after_a_good_header_are_refused_in_the_first_chunk(gmp, drop, settings,
                                                                      warehouse):
    drop(DAY)
    with data(settings).open("wb") as fh:
        fh.write((CURRENCY.header + "\n").encode())
        fh.truncate(512 * 1024**2)  # 512 MB of NULs after the header, sparse
    started = time.monotonic()
    outcome = rejected(gmp, warehouse, "line 2, column currency_code: NUL byte at character 1 "
                                       "(expected text, which has none)")
    assert time.monotonic() - started < 20 and outcome.rows is None


def test_an_endless_line_is_refused_and_quoted_briefly(gmp, drop, settings, warehouse):
    drop(DAY)
    with data(settings).open("w") as fh:
        fh.write(CURRENCY.header + "\n")
        fh.write("A" * (20 * 1024**2))  # 20 MB on one line, no line end
    outcome = rejected(gmp, warehouse, "line 2: line longer than 1,048,576 characters")
    assert all(len(p) < 300 for p in outcome.problems)


def test_a_long_wrong_header_is_quoted_at_most_80_characters(gmp, drop, settings, warehouse):
    drop(DAY)
    text = data(settings).read_text().split("\n", 1)[1]
    data(settings).write_text(SECRET + "x" * 5000 + "\n" + text)
    outcome = rejected(gmp, warehouse, "line 1: header must be exactly")
    assert "x" * 81 not in outcome.reason and "x" * 81 not in "".join(outcome.problems)


@pytest.mark.parametrize(("row_count", "expected"), [
    ("17²", "row_count must be a whole number of 1 to 18 ASCII digits (value '17²')"),
    ("9" * 3000, "row_count must be a whole number of 1 to 18 ASCII digits (value '999"),
])
def test_control_numbers_are_ascii_digits_end_to_end(gmp, drop, settings, warehouse, row_count,
                                                     expected):
    drop(DAY)
    head, line = control(settings).read_text().splitlines()
    fields = line.split("|")
    fields[2] = row_count
    control(settings).write_text(f"{head}\n{'|'.join(fields)}\n")
    rejected(gmp, warehouse, expected)
