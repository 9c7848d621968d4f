"""A local SMTP server that keeps every received message as an ``.eml`` file.

Used by ``make demo`` and the tests in place of a company mail relay. It binds
to 127.0.0.1 only.
"""

from __future__ import annotations

import socket
import time
import uuid
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

from aiosmtpd.controller import Controller

from cistrade_core.clock import utcnow


class FileStoreHandler:
    """aiosmtpd handler writing each message atomically into ``outbox``."""

    def __init__(self, outbox: Path) -> None:
        self.outbox = Path(outbox)
        self.outbox.mkdir(parents=True, exist_ok=True)

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 (aiosmtpd API)
        stamp = f"{utcnow():%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:6]}"
        data = envelope.original_content or envelope.content
        header = (
            f"X-Envelope-From: {envelope.mail_from}\r\n"
            f"X-Envelope-To: {', '.join(envelope.rcpt_tos)}\r\n"
        ).encode()
        tmp = self.outbox / f".{stamp}.tmp"
        tmp.write_bytes(header + data)
        tmp.rename(self.outbox / f"{stamp}.eml")
        return "250 Message accepted for delivery"


def start_server(outbox: Path, port: int = 0, host: str = "127.0.0.1") -> Controller:
    """Start the server in a background thread; ``port=0`` picks a free port.

    The bound port is ``controller.port`` after the call; stop with ``controller.stop()``.
    """
    if host not in {"127.0.0.1", "localhost", "::1"}:
        raise ValueError(f"the local SMTP server binds to loopback only, not {host!r}")
    if port == 0:
        port = free_port(host)
    controller = Controller(FileStoreHandler(outbox), hostname=host, port=port)
    controller.start()
    return controller


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that is free on ``host`` right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def serve_forever(outbox: Path, port: int, host: str = "127.0.0.1") -> None:
    """Run the server until interrupted (``cistrade mail serve``)."""
    controller = start_server(outbox, port, host)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()


def read_outbox(outbox: Path) -> list[EmailMessage]:
    """Every stored message, oldest first."""
    if not Path(outbox).exists():
        return []
    parser = BytesParser(policy=policy.default)
    return [parser.parsebytes(p.read_bytes()) for p in sorted(Path(outbox).glob("*.eml"))]
