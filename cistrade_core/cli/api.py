"""``cistrade api``: serve the REST API, write its OpenAPI document."""

from __future__ import annotations

import json
from pathlib import Path

import click

from cistrade_core.cli import params


@click.group()
def api() -> None:
    """The REST API: serve it, write its OpenAPI document."""


@api.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8400, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Worker processes (they share the warehouse; see the README).")
@click.option("--log-level", default="warning", show_default=True,
              type=click.Choice(["critical", "error", "warning", "info", "debug"]))
def serve(host: str, port: int, workers: int, log_level: str) -> None:
    """Serve the API with uvicorn until interrupted.

    With more than one worker on the embedded DuckDB warehouse, this process holds
    the file and runs the workers' statements (the warehouse server).
    """
    import uvicorn

    from cistrade_core.api.warehouse_server import shared_warehouse

    with shared_warehouse(workers):
        uvicorn.run("cistrade_core.api.app:create_app", factory=True, host=host, port=port,
                    workers=workers, log_level=log_level, access_log=False,
                    proxy_headers=False, server_header=False)


@api.command()
@click.option("--output", "-o", type=params.SafePath(dir_okay=False, path_type=Path),
              help="Write to this file instead of standard output.")
def openapi(output: Path | None) -> None:
    """Print (or write) the OpenAPI 3.1 document, as checked in at docs/openapi.json."""
    from cistrade_core.api.openapi_doc import render

    text = render()
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text)
        click.echo(f"wrote {output} ({len(json.loads(text)['paths'])} paths)")


@api.command("client-create")
@click.argument("client_id")
@click.option("--group", required=True, help="The ACL group the client acts in.")
@click.option("--description")
def client_create(client_id: str, group: str, description: str | None) -> None:
    """Register CLIENT_ID (client-...) and print its secret, once (run as the administrator)."""
    from cistrade_core.acl.clients import create_client
    from cistrade_core.cli.common import admin_actor, core_errors, get_core

    core = get_core()
    with core_errors():
        secret = create_client(core.warehouse, admin_actor(), client_id, group, description)
    click.echo(f"client_id:     {client_id}\nclient_secret: {secret}\n"
               "(the secret is stored hashed and cannot be shown again)")


@api.command("clients")
def client_list() -> None:
    """The registered API clients and their groups."""
    from cistrade_core.acl.clients import list_clients
    from cistrade_core.cli.common import get_core

    for c in list_clients(get_core().warehouse):
        click.echo(f"{c['client_id']:<32} {c['group_name']:<20} {c['description'] or ''}")
