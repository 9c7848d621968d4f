from email.message import EmailMessage

from cistrade_core.config import SmtpSettings
from cistrade_core.mail import build_message, flush_spool, send_mail
from cistrade_core.mail.sender import Attachment, pending
from cistrade_dev.smtp_server import free_port, read_outbox, start_server


def _msg(subject: str = "hello") -> EmailMessage:
    return build_message(
        subject=subject, sender="cistrade@localhost", to=["ops@example.com"], text="body text",
        html="<p>body</p>", attachments=[Attachment("a.csv", b"x,y\n", "text", "csv")],
    )


def test_mail_reaches_the_real_smtp_server_as_eml(smtp_server, settings):
    result = send_mail(_msg(), settings.smtp, settings.mail_spool_dir)
    assert result.sent
    [stored] = read_outbox(smtp_server.outbox)
    assert stored["Subject"] == "hello"
    assert stored["X-Envelope-To"] == "ops@example.com"
    assert [p.get_filename() for p in stored.iter_attachments()] == ["a.csv"]
    assert "body text" in stored.get_body(("plain",)).get_content()


def test_failed_send_is_spooled_then_retried(cistrade_home, settings):
    port = free_port()
    smtp = SmtpSettings(port=port, timeout=1, password="s3cret-pw")
    result = send_mail(_msg("queued"), smtp, settings.mail_spool_dir, attempts=2)
    assert not result.sent
    assert result.spooled_to is not None and result.spooled_to.exists()
    assert "s3cret-pw" not in (result.error or "")
    assert len(pending(settings.mail_spool_dir)) == 1

    server = start_server(cistrade_home / "outbox", port)
    try:
        sent, left = flush_spool(SmtpSettings(port=port), settings.mail_spool_dir)
    finally:
        server.stop()
    assert (sent, left) == (1, 0)
    assert [m["Subject"] for m in read_outbox(cistrade_home / "outbox")] == ["queued"]
    assert pending(settings.mail_spool_dir) == []


def test_send_drains_the_spool_first(smtp_server, settings):
    dead = SmtpSettings(port=free_port(), timeout=1)
    assert not send_mail(_msg("first"), dead, settings.mail_spool_dir, attempts=1).sent
    assert send_mail(_msg("second"), settings.smtp, settings.mail_spool_dir).sent
    subjects = [m["Subject"] for m in read_outbox(smtp_server.outbox)]
    assert subjects == ["first", "second"]
