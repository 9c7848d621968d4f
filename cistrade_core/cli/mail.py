"""``cistrade mail``: the outgoing-mail spool.

``serve`` (the local SMTP server) is a development command, from :mod:`cistrade_dev.cli`.
"""

from __future__ import annotations

import click

from cistrade_core.config import get_settings


@click.group()
def mail() -> None:
    """Local SMTP server and outgoing-mail spool."""


@mail.command()
def retry() -> None:
    """Send the mail that earlier attempts left in the spool."""
    from cistrade_core.mail.sender import flush_spool

    settings = get_settings()
    sent, left = flush_spool(settings.smtp, settings.mail_spool_dir)
    click.echo(f"sent {sent}, still pending {left} ({settings.mail_spool_dir})")
    raise SystemExit(0 if left == 0 else 1)
