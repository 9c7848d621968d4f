"""``cistrade notify``: the notification outbox."""

from __future__ import annotations

import click

from cistrade_core.cli.common import get_core


@click.group()
def notify() -> None:
    """Queued and sent notification mail."""


@notify.command()
def retry() -> None:
    """Send queued mail and retry mail that could not be sent before."""
    core = get_core()
    delivered, waiting = core.notifier.retry(core.warehouse)
    click.echo(f"delivered {delivered}, still waiting {waiting}")
    raise SystemExit(0 if waiting == 0 else 1)


@notify.command("list")
@click.option("--portfolio")
def list_(portfolio: str | None) -> None:
    """Notifications, oldest first."""
    from cistrade_core.notify import notifications

    for n in notifications(get_core().warehouse, portfolio):
        click.echo(f"{n['created_at']:%Y-%m-%d %H:%M:%S} {n['status']:<13} {n['event']:<22} "
                   f"{n['portfolio_code'] or '-':<16} {n['recipients']}")
