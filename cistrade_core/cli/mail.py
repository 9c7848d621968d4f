"""``cistrade mail``: the mail outbox (list, retry) and the local SMTP server."""

from __future__ import annotations

from pathlib import Path

import click

from cistrade_core.config import get_settings


@click.group()
def mail() -> None:
    """The mail outbox and the local SMTP server."""


@mail.command()
@click.option("--port", default=8025, show_default=True, help="Port on 127.0.0.1.")
@click.option("--outbox", type=click.Path(path_type=Path), help="Default: $CISTRADE_HOME/outbox.")
def serve(port: int, outbox: Path | None) -> None:
    """Run an SMTP server on 127.0.0.1 that stores each message as an .eml file."""
    from cistrade_core.mail.server import serve_forever

    outbox = outbox or get_settings().outbox_dir
    click.echo(f"SMTP server on 127.0.0.1:{port}, storing mail in {outbox}")
    serve_forever(outbox, port)


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
        click.echo(f"{m['created_at']:%Y-%m-%d %H:%M:%S} {m['status']:<13} {m['topic']:<34} "
                   f"{about:<16} {m['recipients']}")
