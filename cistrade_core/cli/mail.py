"""``cistrade mail``: the mail outbox (list, retry).

``serve`` (the local SMTP server) is a development command, from :mod:`cistrade_dev.cli`.
"""

from __future__ import annotations

import click

from cistrade_core.config import get_settings
from cistrade_core.text_rules import printable


@click.group()
def mail() -> None:
    """The mail outbox: recorded mail and retries."""


@mail.command()
def retry() -> None:
    """Send the mail waiting in the outbox (failed before, or never tried); exits 1 while
    some is still waiting."""
    from cistrade_core.notify import Notifier
    from cistrade_core.warehouse import get_warehouse

    settings = get_settings()
    delivered, waiting = Notifier(settings).retry(get_warehouse(settings))
    click.echo(f"delivered {delivered}, still waiting {waiting}")
    raise SystemExit(0 if waiting == 0 else 1)


@mail.command("list")
@click.option("--topic", help="Only this topic and those below it (gmp, fx.outage, ...).")
@click.option("--status", type=click.Choice(["PENDING", "SENDING", "SENT", "FAILED",
                                             "NO_RECIPIENTS"], case_sensitive=False))
@click.option("--portfolio", help="Only the mail about this portfolio.")
def list_(topic: str | None, status: str | None, portfolio: str | None) -> None:
    """Recorded mail, oldest first."""
    from cistrade_core.notify import Notifier, mails
    from cistrade_core.warehouse import get_warehouse

    settings = get_settings()
    warehouse = get_warehouse(settings)
    Notifier(settings).ensure_schema(warehouse)
    for m in mails(warehouse, topic=topic, status=status and status.upper(),
                   portfolio_code=portfolio):
        about = m["portfolio_code"] or m["feed"] or m["report"] or m["provider"] or "-"
        line = (f"{m['created_at']:%Y-%m-%d %H:%M:%S} {m['status']:<13} {m['topic']:<34} "
                f"{about:<16} {m['recipients']}")
        click.echo(printable(line))
