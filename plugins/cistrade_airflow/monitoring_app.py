"""The CisTrade FastAPI app in Airflow's API server: metrics, the operator's page, Data Docs.

Mounted under :data:`URL_PREFIX` by :mod:`cistrade_airflow.cistrade_plugin`.
Airflow does not authenticate plugin apps, so every route depends on Airflow's
own check (``requires_authenticated``: the ``Authorization: Bearer`` JWT, else
the UI's ``_token`` cookie, validated by the configured auth manager); an
anonymous request gets 401, a bad token 403.

Routes: ``/metrics`` (Prometheus text format, as ``cistrade metrics serve``),
``/ui/`` (the page the Airflow UI shows as "CisTrade"), ``/api/overview`` (the
same data as JSON), ``/data-docs/<path>`` (the Great Expectations Data Docs site).
"""

# No ``from __future__ import annotations`` here: FastAPI reads the routes' annotations,
# which name classes imported inside create_app().
from datetime import date, datetime
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fastapi import FastAPI

URL_PREFIX = "/cistrade"
GMP_DAG_ID = "gmp_reference_etl"
#: DAG runs looked at for the matrix's run links.
RUNS_SCANNED = 200


def gmp_run_links(days: "list[date]", airflow_base: str) -> "dict[date, tuple[str, str]]":
    """For each business date, the newest gmp_reference_etl run that processed it."""
    from airflow.models.dagrun import DagRun
    from airflow.utils.session import create_session
    from sqlalchemy import select

    from cistrade_airflow import DEFAULT_TIMEZONE
    from cistrade_core.gmp.schedule import business_date_for_run

    wanted = set(days)
    links: dict[date, tuple[str, str]] = {}
    with create_session() as session:
        runs = session.scalars(
            select(DagRun).where(DagRun.dag_id == GMP_DAG_ID)
            .order_by(DagRun.run_after.desc()).limit(RUNS_SCANNED)).all()
        for run in runs:
            conf = run.conf or {}
            when: datetime | None = run.logical_date or run.run_after
            if conf.get("business_date"):
                day = date.fromisoformat(str(conf["business_date"]))
            elif when is not None:
                day = business_date_for_run(when, DEFAULT_TIMEZONE)
            else:
                continue
            if day in wanted and day not in links:
                url = f"{airflow_base}/dags/{GMP_DAG_ID}/runs/{run.run_id}"
                links[day] = (url, f"{run.run_id} ({run.state})")
    return links


@cache
def _registry():
    """One scrape registry for the life of the API server."""
    from cistrade_core.monitoring.scrape import scrape_registry

    return scrape_registry()


@cache
def _reader():
    """One read-only warehouse for the operator's view."""
    from cistrade_core.monitoring.scrape import ReadOnlyWarehouse

    return ReadOnlyWarehouse()


def _overview(reader):
    from cistrade_core.clock import utcnow
    from cistrade_core.monitoring import operator_view
    from cistrade_core.monitoring.sql import ScrapeContext

    ctx = ScrapeContext(utcnow(), reader.settings)
    try:
        with reader.session() as query:
            return operator_view.build(query, ctx)
    except Exception as exc:  # no warehouse yet, or locked past the wait
        return operator_view.OperatorView(ctx.now, [], {}, [], [],
                                          errors=[f"warehouse: {type(exc).__name__}: {exc}"])


@cache
def create_app() -> "FastAPI":
    """The app (made once per process, on first use: only the API server needs it)."""
    from airflow.api_fastapi.core_api.security import requires_authenticated
    from fastapi import Depends, FastAPI, HTTPException, Request
    from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
    from starlette.concurrency import run_in_threadpool

    app = FastAPI(
        title="CisTrade", description="CisTrade metrics and the operator's view.",
        dependencies=[Depends(requires_authenticated())], docs_url=None, redoc_url=None,
        openapi_url=None,
    )

    def prefix(request: Request) -> str:
        return request.scope.get("root_path", "") or URL_PREFIX

    @app.get("/metrics")
    async def metrics() -> Response:
        from prometheus_client import CONTENT_TYPE_LATEST

        from cistrade_core.monitoring.scrape import exposition

        body = await run_in_threadpool(exposition, _registry())
        return Response(body, media_type=CONTENT_TYPE_LATEST)

    @app.get("/")
    async def root(request: Request) -> RedirectResponse:
        return RedirectResponse(f"{prefix(request)}/ui/")

    @app.get("/ui/", response_class=HTMLResponse)
    async def ui(request: Request) -> HTMLResponse:
        from cistrade_core.fx.settings import FxSettings
        from cistrade_core.monitoring import operator_view

        view = await run_in_threadpool(_overview, _reader())
        base = prefix(request)
        airflow_base = base[: -len(URL_PREFIX)] if base.endswith(URL_PREFIX) else ""
        try:
            links = await run_in_threadpool(gmp_run_links, view.days, airflow_base)
        except Exception as exc:  # the metadata DB is Airflow's business: show, don't fail
            links = {}
            view.errors.append(f"Airflow runs: {type(exc).__name__}: {exc}")
        return HTMLResponse(operator_view.render(
            view, data_docs_url=lambda path: f"{base}/data-docs/{path}", run_links=links,
            stale_after=FxSettings.from_env().stale_after))

    @app.get("/api/overview")
    async def overview() -> "dict[str, Any]":
        view = await run_in_threadpool(_overview, _reader())
        return view.to_json()

    @app.get("/data-docs/{path:path}")
    async def data_docs(path: str) -> FileResponse:
        from cistrade_core.monitoring.operator_view import data_docs_site

        site = data_docs_site(_reader().settings).resolve()
        target = (site / (path or "index.html")).resolve()
        if not target.is_relative_to(site) or not target.is_file():
            raise HTTPException(status_code=404, detail=f"no Data Docs page {path!r}")
        return FileResponse(target)

    return app
