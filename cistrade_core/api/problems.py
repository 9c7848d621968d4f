"""Errors as RFC 9457 problem details (``application/problem+json``).

Every refusal of the library maps to one HTTP status here; request validation
names the field and what was expected; anything unexpected is a bare 500 with
no trace, SQL or secret in it (the log keeps the exception).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from cistrade_core import errors

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"

#: HTTP status of each library refusal (the most specific class wins).
STATUS_OF: tuple[tuple[type[errors.CoreError], int], ...] = (
    (errors.AuthenticationError, 401),
    (errors.SessionError, 401),
    (errors.PermissionDenied, 403),
    (errors.FourEyesViolation, 403),
    (errors.NotFound, 404),
    (errors.InvalidState, 409),
    (errors.ConflictError, 412),
    (errors.ValidationError, 422),
)

TITLES = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
          405: "Method Not Allowed", 406: "Not Acceptable", 409: "Conflict",
          412: "Precondition Failed", 415: "Unsupported Media Type",
          422: "Unprocessable Content", 428: "Precondition Required",
          429: "Too Many Requests", 500: "Internal Server Error"}


class FieldProblem(BaseModel):
    """One rejected input: where it was and what was expected."""

    field: str = Field(description="e.g. body.base_currency, query.limit, header.If-Match")
    message: str


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errors: list[FieldProblem] | None = None
    error: str | None = Field(None, description="OAuth 2.0 error code (token route only)")


class ApiProblem(Exception):
    """A refusal decided by the API layer itself (missing If-Match, bad token, ...)."""

    def __init__(self, status: int, detail: str, *, errors: list[FieldProblem] | None = None,
                 headers: dict[str, str] | None = None, error: str | None = None) -> None:
        super().__init__(detail)
        self.status, self.detail, self.errors = status, detail, errors
        self.headers, self.error = headers or {}, error


def problem_response(request: Request, status: int, detail: str | None, *,
                     errors: list[FieldProblem] | None = None,
                     headers: dict[str, str] | None = None,
                     error: str | None = None) -> JSONResponse:
    body = Problem(title=TITLES.get(status, "Error"), status=status, detail=detail,
                   instance=request.url.path, errors=errors, error=error)
    return JSONResponse(body.model_dump(exclude_none=True), status_code=status,
                        media_type=PROBLEM_JSON, headers=headers)


def status_of(exc: errors.CoreError) -> int:
    for cls, status in STATUS_OF:
        if isinstance(exc, cls):
            return status
    return 500


def _location(loc: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in loc)


def install(app: FastAPI) -> None:
    """Register the handlers that turn every error into problem details."""

    @app.exception_handler(ApiProblem)
    async def _api(request: Request, exc: ApiProblem) -> JSONResponse:
        return problem_response(request, exc.status, exc.detail, errors=exc.errors,
                                headers=exc.headers, error=exc.error)

    @app.exception_handler(errors.CoreError)
    async def _core(request: Request, exc: errors.CoreError) -> JSONResponse:
        status = status_of(exc)
        if status == 500:
            log.error("refused with an unmapped error: %s", type(exc).__name__)
            return problem_response(request, 500, "the request could not be completed")
        headers = {"WWW-Authenticate": 'Bearer error="invalid_token"'} if isinstance(
            exc, errors.SessionError) else None
        field_errors = None
        if isinstance(exc, errors.ValidationError):
            field_errors = [FieldProblem(field="body", message=p) for p in exc.problems]
        return problem_response(request, status, str(exc), errors=field_errors,
                                headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [FieldProblem(field=_location(e.get("loc", ())),
                                 message=str(e.get("msg", "invalid")))
                    for e in exc.errors()]
        return problem_response(request, 422, "the request does not match the API contract",
                                errors=problems)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, str) else None
        return problem_response(request, exc.status_code, detail,
                                headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return problem_response(request, 500, "the request could not be completed")
