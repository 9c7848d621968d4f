"""The mail outbox against the real SMTP server: recorded once, retried, never sent twice,
by one process, by two threads, and by two processes flushing the same queue at once."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest

from cistrade_core.clock import FixedClock
from cistrade_core.config import SmtpSettings
from cistrade_core.notify import AttachedFile, Mail, Notifier, mails
from cistrade_dev.smtp_server import free_port, read_outbox, start_server
from tests.core_fixtures import START
from tests.kudu_on_duckdb import KuduOnDuckDB

REPO = Path(__file__).resolve().parents[2]


def _mail(subject: str, **kw) -> Mail:
    return Mail("system", subject, f"{subject}: body", ("ops@example.com",), **kw)


@pytest.fixture
def outbox_wh(warehouse):
    warehouse.ensure_store_schema()
    return warehouse


def _queue(warehouse, settings, subjects) -> list[str]:
    notifier = Notifier(settings)
    with warehouse.transaction() as tx:
        return [notifier.queue(tx, _mail(s)) for s in subjects]


def test_a_failed_send_is_recorded_then_retried(outbox_wh, settings, cistrade_home):
    port = free_port()
    down = replace(settings, smtp=SmtpSettings(port=port, timeout=1, password="s3cret-pw"))
    delivery = Notifier(down).send(outbox_wh, _mail("queued"))
    assert not delivery.sent and "ConnectionRefusedError" in delivery.error
    [row] = mails(outbox_wh)
    assert (row["status"], row["attempts"], row["error"]) == ("FAILED", 1, delivery.error)
    assert "s3cret-pw" not in repr(outbox_wh.query("SELECT * FROM gmp_cis.cis_mail_outbox"))

    server = start_server(cistrade_home / "later", port)
    try:
        assert Notifier(down).retry(outbox_wh) == (1, 0)
    finally:
        server.stop()
    [msg] = read_outbox(cistrade_home / "later")
    assert msg["Subject"] == "queued" and msg["Message-ID"] == row["message_id"]
    [row] = mails(outbox_wh)
    assert (row["status"], row["attempts"], row["error"]) == ("SENT", 2, None)
    assert Notifier(down).retry(outbox_wh) == (0, 0)


def test_a_send_first_retries_the_mail_that_failed_before(outbox_wh, settings, smtp_server):
    dead = replace(settings, smtp=SmtpSettings(port=free_port(), timeout=1))
    assert not Notifier(dead).send(outbox_wh, _mail("first")).sent
    assert Notifier(settings).send(outbox_wh, _mail("second")).sent
    assert [m["Subject"] for m in read_outbox(smtp_server.outbox)] == ["first", "second"]
    assert {r["status"] for r in mails(outbox_wh)} == {"SENT"}


def test_a_dedupe_key_records_and_sends_a_mail_once(outbox_wh, settings, smtp_server):
    notifier = Notifier(settings)
    first = notifier.send(outbox_wh, _mail("once", dedupe_key="k-1"))
    again = notifier.send(outbox_wh, _mail("once", dedupe_key="k-1"))
    assert first.sent and again.sent and again.mail_id == first.mail_id
    assert len(read_outbox(smtp_server.outbox)) == 1 and len(mails(outbox_wh)) == 1


def test_a_lapsed_claim_is_sent_again_with_the_same_message_id(outbox_wh, settings,
                                                                smtp_server):
    clock = FixedClock(START)
    notifier = Notifier(settings, clock)
    [mail_id] = _queue(outbox_wh, settings, ["lost"])
    # a sender claimed the mail at START and died before recording the outcome
    outbox_wh.update("gmp_cis.cis_mail_outbox",
                     {"status": "SENDING", "attempts": 1, "claimed_at": clock()},
                     {"mail_id": mail_id})
    clock.advance(minutes=14)
    assert notifier.retry(outbox_wh) == (0, 0)  # still within STALE_CLAIM: left alone
    clock.advance(minutes=2)
    assert notifier.retry(outbox_wh) == (1, 0)
    [row] = mails(outbox_wh)
    [msg] = read_outbox(smtp_server.outbox)
    assert (row["status"], row["attempts"]) == ("SENT", 2)
    assert msg["Message-ID"] == row["message_id"] == f"<{mail_id}@cistrade.local>"


def test_raising_a_mail_again_takes_over_a_lapsed_claim(outbox_wh, settings, smtp_server):
    """A report DAG's retry after its first try died while sending."""
    clock = FixedClock(START)
    notifier = Notifier(settings, clock)
    with outbox_wh.transaction() as tx:
        mail_id = notifier.queue(tx, _mail("report", dedupe_key="report:run-1"))
    outbox_wh.update("gmp_cis.cis_mail_outbox",
                     {"status": "SENDING", "attempts": 1, "claimed_at": clock()},
                     {"mail_id": mail_id})
    assert notifier.send(outbox_wh, _mail("report", dedupe_key="report:run-1")).status == (
        "SENDING")  # its sender may still be at it
    clock.advance(minutes=16)
    again = notifier.send(outbox_wh, _mail("report", dedupe_key="report:run-1"))
    assert again.sent and again.mail_id == mail_id
    assert [m["Subject"] for m in read_outbox(smtp_server.outbox)] == ["report"]


def test_a_missing_attachment_fails_the_mail_with_its_path(outbox_wh, settings, smtp_server,
                                                            tmp_path):
    gone = tmp_path / "report.csv"
    delivery = Notifier(settings).send(
        outbox_wh, _mail("with file", attachments=(AttachedFile(gone, "text/csv"),)))
    assert not delivery.sent and str(gone) in delivery.error
    assert mails(outbox_wh)[0]["status"] == "FAILED"
    gone.write_text("a,b\n")
    assert Notifier(settings).retry(outbox_wh) == (1, 0)
    [msg] = read_outbox(smtp_server.outbox)
    assert [p.get_filename() for p in msg.iter_attachments()] == ["report.csv"]


def test_a_mail_without_recipients_raises_a_system_alert(outbox_wh, settings, smtp_server):
    notifier = Notifier(settings)
    delivery = notifier.send(outbox_wh, Mail("gmp.empty", "no one", "body", ()))
    assert delivery.status == "NO_RECIPIENTS" and not delivery.sent
    assert notifier.retry(outbox_wh) == (1, 0)
    [alert] = read_outbox(smtp_server.outbox)
    assert alert["Subject"].strip() == "[CisTrade] Alert: no recipient for the empty mail"
    assert alert["X-Envelope-To"] == "gmp-support@example.com"


def _each_once(smtp_server, subjects) -> list:
    received = read_outbox(smtp_server.outbox)
    assert Counter(m["Subject"] for m in received) == Counter(subjects)  # each exactly once
    assert len({m["Message-ID"] for m in received}) == len(subjects)
    return received


@pytest.mark.parametrize("engine", ["duckdb", "kudu"])
def test_two_senders_at_once_send_every_mail_exactly_once(outbox_wh, settings, smtp_server,
                                                          engine):
    """Two threads flushing the same queue: DuckDB transactions, or Kudu's claims."""
    warehouse = KuduOnDuckDB.over(outbox_wh) if engine == "kudu" else outbox_wh
    subjects = [f"mail {i:02d}" for i in range(20)]
    _queue(warehouse, settings, subjects)
    start = threading.Barrier(2)
    delivered: list[tuple[int, int]] = []
    errors: list[BaseException] = []

    def flush() -> None:
        start.wait()
        try:
            delivered.append(Notifier(settings).retry(warehouse))
        except BaseException as exc:  # asserted below
            errors.append(exc)

    threads = [threading.Thread(target=flush) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == [] and len(delivered) == 2
    _each_once(smtp_server, subjects)
    assert sum(d for d, _ in delivered) == len(subjects)
    assert {(r["status"], r["attempts"]) for r in mails(warehouse)} == {("SENT", 1)}


#: A process that imports everything, says it is ready, waits for the gate, then runs
#: ``cistrade <group> retry``.
FLUSHER = """
import sys, time
from pathlib import Path
from cistrade_core.cli import main
import cistrade_core.cli.mail, cistrade_core.notify, cistrade_core.warehouse.duckdb_backend
ready, gate, group = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
ready.touch()
while not gate.exists():
    time.sleep(0.002)
main([group, "retry"], prog_name="cistrade")
"""


def test_two_processes_flushing_at_once_send_every_mail_exactly_once(outbox_wh, settings,
                                                                     smtp_server, tmp_path):
    """``cistrade mail retry`` and ``cistrade notify retry`` (the same command) in two real
    processes, on one warehouse file, against the real SMTP server."""
    # enough mail that the second process, waiting its turn for the warehouse file
    # (a jittered back-off of up to 1 s), still finds some unsent
    subjects = [f"mail {i:03d}" for i in range(120)]
    _queue(outbox_wh, settings, subjects)
    gate = tmp_path / "gate"
    ready = [tmp_path / f"ready-{group}" for group in ("mail", "notify")]
    procs = [subprocess.Popen([sys.executable, "-c", FLUSHER, str(r), str(gate), group],
                              cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True)
             for r, group in zip(ready, ("mail", "notify"), strict=True)]
    try:
        deadline = time.monotonic() + 120
        while not all(r.exists() for r in ready) and time.monotonic() < deadline:
            time.sleep(0.01)
        gate.touch()
        outputs = [p.communicate(timeout=180) for p in procs]
    finally:
        for p in procs:
            p.kill()
    for p, (out, err) in zip(procs, outputs, strict=True):
        assert p.returncode == 0, err
        assert "still waiting 0" in out
    delivered = [int(out.split("delivered ")[1].split(",")[0]) for out, _ in outputs]
    assert sum(delivered) == len(subjects)
    received = _each_once(smtp_server, subjects)
    rows = mails(outbox_wh)
    assert {(r["status"], r["attempts"]) for r in rows} == {("SENT", 1)}
    assert {m["Message-ID"] for m in received} == {r["message_id"] for r in rows}
    # both processes took part: each sent some of the mail, none sent one twice
    assert {r["claimed_by"].rsplit(":", 1)[1] for r in rows} == {str(p.pid) for p in procs}
    assert all(delivered), delivered
