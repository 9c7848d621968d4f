"""Reminders for changes waiting too long for approval (the library side of the DAG)."""

from datetime import timedelta

from cistrade_core.audit import AuditFilter
from cistrade_core.audit import log as audit_log
from cistrade_core.portfolio.reminders import age_text, send_reminders
from cistrade_dev.smtp_server import read_outbox


def test_overdue_changes_are_reminded_once_per_run_key(mail_core, login, clock, smtp_server):
    core = mail_core
    maker, hybrid = login("maker1"), login("hybrid")
    p = core.portfolios.create(maker, "OLD-01", name="Old", base_currency="USD", owner="o",
                               desk="d")
    core.portfolios.submit(maker, "OLD-01", p.version)
    p = core.portfolios.create(hybrid, "OLD-02", name="Old 2", base_currency="USD", owner="o",
                               desk="d")
    core.portfolios.submit(hybrid, "OLD-02", p.version)
    clock.advance(hours=30)
    maker = login("maker1")
    p = core.portfolios.create(maker, "NEW-01", name="New", base_currency="USD", owner="o",
                               desk="d")
    core.portfolios.submit(maker, "NEW-01", p.version)
    clock.advance(hours=1)
    sent_before = len(read_outbox(smtp_server.outbox))

    report = send_reminders(core.warehouse, core.notifier, clock(), timedelta(hours=24),
                            "2026-03-03")
    assert report.overdue == ["OLD-01", "OLD-02"] and len(report.queued) == 2
    reminders = read_outbox(smtp_server.outbox)[sent_before:]
    by_code = {m["X-CisTrade-Portfolio"]: m for m in reminders}
    assert sorted(by_code) == ["OLD-01", "OLD-02"]
    old1 = by_code["OLD-01"]
    assert old1["Subject"].strip() == ("[CisTrade] Reminder: portfolio OLD-01 waiting for approval "
                               "for 1 day 7 h")
    assert sorted(a.strip() for a in old1["X-Envelope-To"].split(",")) == [
        "checker1@example.com", "checker2@example.com", "hybrid@example.com"]
    # hybrid made OLD-02, so is not asked to approve it
    assert "hybrid@example.com" not in by_code["OLD-02"]["X-Envelope-To"]
    assert "submitted by maker1 at 2026-03-02 09:00 UTC" in old1.get_body(("plain",)).get_content()

    again = send_reminders(core.warehouse, core.notifier, clock(), timedelta(hours=24),
                           "2026-03-03")
    assert again.queued == [] and again.already_sent == ["OLD-01", "OLD-02"]
    assert len(read_outbox(smtp_server.outbox)) == sent_before + 2
    [first, second] = audit_log.select(core.warehouse, AuditFilter(action="REMIND"))
    assert first.user_login == "system:approval-reminders"
    assert first.detail["overdue"] == ["OLD-01", "OLD-02"] and first.detail["reminded"] == 2
    assert second.detail["reminded"] == 0


def test_age_text():
    assert age_text(timedelta(hours=5, minutes=59)) == "5 h"
    assert age_text(timedelta(days=2, hours=3)) == "2 days 3 h"
