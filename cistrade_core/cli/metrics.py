"""``cistrade metrics``: the Prometheus endpoint and the Grafana dashboards."""

from __future__ import annotations

from pathlib import Path

import click

from cistrade_core.cli import params
from cistrade_core.config import REPO_ROOT

DASHBOARDS_DIR = REPO_ROOT / "deploy" / "grafana" / "dashboards"


@click.group()
def metrics() -> None:
    """Prometheus metrics of the platform and the Grafana dashboards."""


@metrics.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (0.0.0.0 only inside a container network).")
@click.option("--port", default=9464, show_default=True, type=params.PORT)
def serve(host: str, port: int) -> None:
    """Serve /metrics: the warehouse families and this process's metrics."""
    import signal
    import threading

    from prometheus_client import start_http_server

    from cistrade_core.monitoring.scrape import scrape_registry

    server, thread = start_http_server(port, addr=host, registry=scrape_registry())
    click.echo(f"metrics on http://{host}:{server.server_port}/metrics", err=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    server.shutdown()


@metrics.command()
def show() -> None:
    """Print one scrape in the Prometheus text format."""
    from cistrade_core.monitoring.scrape import exposition, scrape_registry

    click.echo(exposition(scrape_registry()).decode(), nl=False)


@metrics.command()
@click.option("--out", type=params.SafePath(path_type=Path, file_okay=False),
              default=DASHBOARDS_DIR, show_default=True)
@click.option("--check", is_flag=True, help="Exit 1 if the files differ from the definitions.")
def dashboards(out: Path, check: bool) -> None:
    """Write the Grafana dashboards (JSON) from their definitions."""
    from cistrade_core.monitoring.dashboards import render_all

    stale = []
    for name, text in render_all().items():
        path = out / name
        if check:
            if not path.exists() or path.read_text() != text:
                stale.append(str(path))
            continue
        out.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        click.echo(f"wrote {path}")
    if stale:
        raise click.ClickException("dashboards out of date (run `cistrade metrics dashboards`): "
                                   + ", ".join(stale))
