"""``cistrade notify``: the portfolio notifications' names for ``cistrade mail`` commands."""

from __future__ import annotations

import click

from cistrade_core.cli.mail import list_, retry


@click.group()
def notify() -> None:
    """Queued and sent notification mail."""


notify.add_command(retry)
notify.add_command(list_)
