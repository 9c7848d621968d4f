"""``cistrade mail``: the local SMTP server and the retry spool."""

from __future__ import annotations

from pathlib import Path

import click

from cistrade_core.config import get_settings


@click.group()
def mail() -> None:
    """Local SMTP server and outgoing-mail spool."""


@mail.command()
@click.option("--port", default=8025, show_default=True, help="Port on 127.0.0.1.")
@click.option("--outbox", type=click.Path(path_type=Path), help="Default: $CISTRADE_HOME/outbox.")
def serve(port: int, outbox: Path | None) -> None:
    """Run an SMTP server on 127.0.0.1 that stores each message as an .eml file."""
    from cistrade_dev.smtp_server import serve_forever

    outbox = outbox or get_settings().outbox_dir
    click.echo(f"SMTP server on 127.0.0.1:{port}, storing mail in {outbox}")
    serve_forever(outbox, port)


@mail.command()
def retry() -> None:
    """Send the mail that earlier attempts left in the spool."""
    from cistrade_core.mail.sender import flush_spool

    settings = get_settings()
    sent, left = flush_spool(settings.smtp, settings.mail_spool_dir)
    click.echo(f"sent {sent}, still pending {left} ({settings.mail_spool_dir})")
    raise SystemExit(0 if left == 0 else 1)
