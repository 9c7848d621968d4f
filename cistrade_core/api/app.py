"""The FastAPI application: routers under ``/api/v1``, problem details, OpenAPI 3.1."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from cistrade_core.api import problems
from cistrade_core.api.permissions import ROUTE_PERMISSIONS
from cistrade_core.services import Core

PREFIX = "/api/v1"
TITLE = "CisTrade API"
VERSION = "1.0.0"
#: Statuses every authenticated route may answer with, besides its own.
COMMON_ERRORS = (400, 401, 403, 404, 409, 412, 422, 428, 500)


def create_app(core: Core | None = None, *, root_path: str = "") -> FastAPI:
    """The API on ``core`` (default: every core service on the configured warehouse)."""
    from cistrade_core.api.routes import audit, fx, portfolios, refdata, tokens, udf

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if getattr(app.state, "core", None) is None:
            from cistrade_core.services import open_core

            app.state.core = open_core()
        yield

    app = FastAPI(title=TITLE, version=VERSION, lifespan=lifespan, root_path=root_path,
                  openapi_url=f"{PREFIX}/openapi.json", docs_url=f"{PREFIX}/docs",
                  redoc_url=None,
                  description="Portfolios (maker-checker), audit log, reference data and FX "
                              "rates of CisTrade. Errors are RFC 9457 problem details.")
    from cistrade_core.acl.authz import AccessCache
    from cistrade_core.api.auth import ResumedSessions
    from cistrade_core.api.oidc import OidcSettings, OidcVerifier

    oidc = OidcSettings.from_env()
    app.state.core = core
    app.state.oidc = OidcVerifier(oidc) if oidc else None
    app.state.resumed = ResumedSessions()
    app.state.access = AccessCache()
    problems.install(app)
    for module in (tokens, portfolios, udf, audit, refdata, fx):
        app.include_router(module.router, prefix=PREFIX)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


def _problem_ref() -> dict[str, Any]:
    return {"description": "problem details (RFC 9457)",
            "content": {problems.PROBLEM_JSON: {
                "schema": {"$ref": "#/components/schemas/Problem"}}}}


def _openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's document, with every error as problem details and each route's permission."""
    if app.openapi_schema:
        return app.openapi_schema
    from fastapi.openapi.utils import get_openapi

    doc = get_openapi(title=app.title, version=app.version, description=app.description,
                      routes=app.routes)
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    schemas["Problem"] = problems.Problem.model_json_schema(
        ref_template="#/components/schemas/{model}")
    for name, sub in schemas["Problem"].pop("$defs", {}).items():
        schemas[name] = sub
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    for path in doc.get("paths", {}).values():
        for op in path.values():
            responses = op.setdefault("responses", {})
            needs = ROUTE_PERMISSIONS.get(op.get("operationId", ""))
            statuses = COMMON_ERRORS if needs is not None else (400, 401, 422, 429, 500)
            for status in statuses:
                responses[str(status)] = _problem_ref()
            if needs is not None:
                op["description"] = (op.get("description", "") +
                                     f"\n\nNeeds: {needs.describe()}.").strip()
    app.openapi_schema = doc
    return doc
