"""Notification mail through the real SMTP server: recipients, content, failures."""

from dataclasses import replace

from cistrade_core.acl import AclAdmin, SystemActor
from cistrade_core.config import SmtpSettings, get_settings
from cistrade_core.notify import MailKind, Notifier, mails, render
from cistrade_core.services import open_core
from cistrade_dev.smtp_server import free_port, read_outbox, start_server

CHECKERS = ["checker1@example.com", "checker2@example.com", "hybrid@example.com"]


def _rcpts(msg):
    return sorted(a.strip() for a in msg["X-Envelope-To"].split(","))


def _text(msg):
    return msg.get_body(("plain",)).get_content()


def _html(msg):
    return msg.get_body(("html",)).get_content()


def _submitted(core, maker, code="EQ-01", **kw):
    args = dict(name="Equities", base_currency="GBP", owner="maker1", desk="EQ Flow")
    args.update(kw)
    p = core.portfolios.create(maker, code, **args)
    return core.portfolios.submit(maker, code, p.version)


def test_submit_mails_the_checkers_but_not_the_maker(mail_core, login, smtp_server):
    maker = login("maker1")
    p = _submitted(mail_core, maker)
    [msg] = read_outbox(smtp_server.outbox)
    assert _rcpts(msg) == CHECKERS
    assert msg["Subject"].strip() == "[CisTrade] Approval needed: creation of portfolio EQ-01"
    assert msg["X-CisTrade-Event"] == "approval_request"
    assert msg["X-CisTrade-Portfolio"] == "EQ-01"
    text = _text(msg)
    assert "Maria Maker (maker1) submitted the creation of portfolio EQ-01" in text
    assert f"cistrade portfolio approve EQ-01 --version {p.version}" in text
    assert "Base currency: GBP" in text
    assert "<b>EQ-01</b>" in _html(msg)
    [row] = mails(mail_core.warehouse, portfolio_code="EQ-01")
    assert (row["status"], row["topic"], row["portfolio_version"]) == (
        "SENT", "portfolio.approval_request", p.version)


def test_approval_and_rejection_mail_the_makers(mail_core, login, smtp_server):
    maker, maker2, checker = login("maker1"), login("maker2"), login("checker1")
    p = _submitted(mail_core, maker)
    mail_core.portfolios.approve(checker, "EQ-01", p.version)
    confirmation = read_outbox(smtp_server.outbox)[-1]
    assert _rcpts(confirmation) == ["maker1@example.com"]
    assert confirmation["Subject"].strip() == "[CisTrade] Approved: creation of portfolio EQ-01"
    assert "Chloe Checker (checker1) approved the creation" in _text(confirmation)
    assert "The portfolio is now ACTIVE." in _text(confirmation)

    p = mail_core.portfolios.edit(maker2, "EQ-01", p.version + 1, desk="EQ Derivatives")
    p = mail_core.portfolios.submit(maker, "EQ-01", p.version)
    request = read_outbox(smtp_server.outbox)[-1]
    assert request["Subject"].strip() == "[CisTrade] Approval needed: change of portfolio EQ-01"
    assert "desk: EQ Flow -> EQ Derivatives" in _text(request)
    mail_core.portfolios.reject(checker, "EQ-01", p.version, "Derivatives need a new book")
    notice = read_outbox(smtp_server.outbox)[-1]
    assert _rcpts(notice) == ["maker1@example.com", "maker2@example.com"]
    assert notice["Subject"].strip() == "[CisTrade] Rejected: change of portfolio EQ-01"
    assert "Reason: Derivatives need a new book" in _text(notice)
    assert "Derivatives need a new book" in _html(notice)
    assert [m["X-CisTrade-Event"] for m in read_outbox(smtp_server.outbox)] == [
        "approval_request", "approval_confirmation", "approval_request", "rejection_notice"]


def test_a_checker_who_made_the_change_is_not_asked_to_approve_it(mail_core, login,
                                                                  smtp_server):
    _submitted(mail_core, login("hybrid"), "FX-01")
    [msg] = read_outbox(smtp_server.outbox)
    assert _rcpts(msg) == ["checker1@example.com", "checker2@example.com"]


def test_html_is_escaped(mail_core, login, smtp_server):
    _submitted(mail_core, login("maker1"), name="Rates <b>&</b> Credit")
    [msg] = read_outbox(smtp_server.outbox)
    assert "Rates &lt;b&gt;&amp;&lt;/b&gt; Credit" in _html(msg)
    assert "Rates <b>&</b> Credit" in _text(msg)


def test_a_failed_send_keeps_the_step_and_is_retried(core_wh, clock, login, cistrade_home):
    port = free_port()
    settings = replace(get_settings(), smtp=SmtpSettings(port=port, timeout=1))
    core = open_core(settings, core_wh, clock, dispatch=True)
    p = _submitted(core, login("maker1"))
    assert core.portfolios.show(login("checker1"), "EQ-01").version == p.version
    [row] = mails(core_wh, portfolio_code="EQ-01")
    assert row["status"] == "FAILED" and "ConnectionRefusedError" in row["error"]
    assert len(mails(core_wh, status="FAILED")) == 1  # kept for retry

    server = start_server(cistrade_home / "outbox", port)
    try:
        delivered, waiting = core.notifier.retry(core_wh)
    finally:
        server.stop()
    assert (delivered, waiting) == (1, 0)
    [row] = mails(core_wh, portfolio_code="EQ-01")
    assert row["status"] == "SENT" and row["error"] is None
    [msg] = read_outbox(cistrade_home / "outbox")
    assert msg["Subject"].strip() == "[CisTrade] Approval needed: creation of portfolio EQ-01"


def test_queued_mail_survives_until_dispatched(core, login, smtp_server):
    _submitted(core, login("maker1"))   # `core` queues without sending
    [row] = mails(core.warehouse, portfolio_code="EQ-01")
    assert row["status"] == "PENDING"
    assert read_outbox(smtp_server.outbox) == []
    notifier = Notifier(get_settings(), core.clock)
    assert notifier.retry(core.warehouse) == (1, 0)
    assert notifier.dispatch(core.warehouse).sent == 0  # never twice
    assert [m["X-CisTrade-Event"] for m in read_outbox(smtp_server.outbox)] == [
        "approval_request"]


def test_no_checker_to_mail_raises_a_system_alert(mail_core, login, smtp_server, clock):
    admin = AclAdmin(mail_core.warehouse, SystemActor("admin:test"), clock)
    for user in ("checker1", "checker2", "hybrid"):
        admin.set_enabled(user, False)
    _submitted(mail_core, login("maker1"))
    rows = mails(mail_core.warehouse)
    assert [(r["topic"], r["status"]) for r in rows] == [
        ("portfolio.approval_request", "NO_RECIPIENTS"), ("system", "PENDING")]
    mail_core.notifier.dispatch(mail_core.warehouse)
    [alert] = read_outbox(smtp_server.outbox)
    assert _rcpts(alert) == ["gmp-support@example.com"]
    assert alert["Subject"].strip() == (
        "[CisTrade] Alert: no recipient for the approval request mail")
    assert "EQ-01" in _text(alert)


def test_every_template_renders_text_and_html():
    portfolio = {"portfolio_code": "P-1", "portfolio_name": "N", "desk": "D", "owner": "O",
                 "base_currency": "USD", "status": "ACTIVE"}
    common = {"portfolio": portfolio, "version": 3, "changes": [], "change_label": "change",
              "reason": "r", "maker": "m", "maker_name": "M", "checker": "c",
              "checker_name": "C", "submitted_at": "2026-03-02 09:00", "age_text": "2 days 0 h"}
    for kind in MailKind:
        context = common if kind is not MailKind.SYSTEM_ALERT else {
            "title": "T", "message": "M", "details": {"a": 1}}
        mail = render(kind, context)
        assert mail.subject.startswith("[CisTrade] ") and "\n" not in mail.subject
        assert mail.text.strip() and mail.html.lstrip().startswith("<!DOCTYPE html>")


def test_a_lost_claim_is_queued_again_and_sent_once(core, login, smtp_server, clock):
    _submitted(core, login("maker1"))
    [row] = mails(core.warehouse, portfolio_code="EQ-01")
    # a dispatcher claimed the mail and died before sending it
    assert core.warehouse.update(
        "gmp_cis.cis_mail_outbox", {"status": "SENDING", "attempts": 1, "claimed_at": clock()},
        {"mail_id": row["mail_id"], "status": "PENDING"}) == 1
    assert core.notifier.dispatch(core.warehouse).sent == 0
    assert core.notifier.retry(core.warehouse) == (0, 0)    # not stale yet
    clock.advance(hours=2)
    assert core.notifier.retry(core.warehouse) == (1, 0)
    [row] = mails(core.warehouse, portfolio_code="EQ-01")
    assert (row["status"], row["attempts"]) == ("SENT", 2)
    assert core.notifier.dispatch(core.warehouse, [row["mail_id"]]).sent == 0
    assert len(read_outbox(smtp_server.outbox)) == 1
