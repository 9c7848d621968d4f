from email.message import EmailMessage

from cistrade_core.config import SmtpSettings
from cistrade_core.mail import build_message, send_mail
from cistrade_core.mail.sender import Attachment
from cistrade_dev.smtp_server import free_port, read_outbox


def _msg(subject: str = "hello") -> EmailMessage:
    return build_message(
        subject=subject, sender="cistrade@localhost", to=["ops@example.com"], text="body text",
        html="<p>body</p>", attachments=[Attachment("a.csv", b"x,y\n", "text", "csv")],
    )


def test_mail_reaches_the_real_smtp_server_as_eml(smtp_server, settings):
    result = send_mail(_msg(), settings.smtp)
    assert result.sent
    [stored] = read_outbox(smtp_server.outbox)
    assert stored["Subject"] == "hello"
    assert stored["X-Envelope-To"] == "ops@example.com"
    assert [p.get_filename() for p in stored.iter_attachments()] == ["a.csv"]
    assert "body text" in stored.get_body(("plain",)).get_content()


def test_a_failed_send_says_why_without_the_password(cistrade_home):
    smtp = SmtpSettings(port=free_port(), timeout=1, password="s3cret-pw")
    result = send_mail(_msg("queued"), smtp, attempts=2)
    assert not result.sent and "ConnectionRefusedError" in result.error
    assert "s3cret-pw" not in result.error
