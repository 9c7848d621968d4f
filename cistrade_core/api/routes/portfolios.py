"""Portfolios: the maker-checker workflow of the library, over HTTP.

Each route calls the ``PortfolioService`` method the CLI command of the same
name calls; the library checks permissions and the four-eyes rule, writes the
history and the audit row. The version is the ``ETag``; changes take it in
``If-Match`` and answer 412 when the portfolio moved on.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Path, Query, Request, Response

from cistrade_core.acl.model import Session
from cistrade_core.api.auth import caller, core_of
from cistrade_core.api.routes.common import decode_cursor, encode_cursor, etag, expected_version
from cistrade_core.api.schemas import (
    HistoryEntry,
    OptionalReason,
    PortfolioCreate,
    PortfolioEdit,
    PortfolioOut,
    PortfolioPage,
    Reason,
    utc,
)
from cistrade_core.portfolio import Portfolio, PortfolioFilter, Status

router = APIRouter(tags=["portfolios"])
Code = Annotated[str, Path(min_length=2, max_length=32, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")]
IfMatch = Annotated[str | None, Header(alias="If-Match", max_length=64,
                                       description='the ETag you last read, e.g. "3"')]
Limit = Annotated[int, Query(ge=1, le=500)]
Cursor = Annotated[str | None, Query(max_length=200)]


def _one(p: Portfolio, response: Response) -> PortfolioOut:
    response.headers["ETag"] = etag(p.version)
    return PortfolioOut.of(p)


def _page(request: Request, session: Session, flt: PortfolioFilter) -> PortfolioPage:
    rows = core_of(request).portfolios.list(session, flt)
    more = len(rows) > flt.limit - 1
    rows = rows[: flt.limit - 1]
    cursor = encode_cursor({"after": rows[-1].portfolio_code}) if more and rows else None
    return PortfolioPage(items=[PortfolioOut.of(p) for p in rows], next_cursor=cursor)


@router.get("/portfolios", operation_id="portfolios_list", response_model=PortfolioPage,
            summary="Portfolios by code, filtered by status, owner and desk")
def list_portfolios(*, request: Request, session: caller("portfolios_list"),
                    status: Status | None = None,
                    owner: Annotated[str | None, Query(max_length=100)] = None,
                    desk: Annotated[str | None, Query(max_length=100)] = None,
                    limit: Limit = 100, cursor: Cursor = None) -> PortfolioPage:
    position = decode_cursor(cursor, ("after",))
    flt = PortfolioFilter(status=status, owner=owner, desk=desk, limit=limit + 1,
                          after=position["after"] if position else None)
    return _page(request, session, flt)


@router.get("/approvals/pending", operation_id="portfolios_pending",
            response_model=PortfolioPage, summary="Portfolios with a change awaiting approval")
def pending(*, request: Request, session: caller("portfolios_pending"),
            limit: Limit = 100, cursor: Cursor = None) -> PortfolioPage:
    position = decode_cursor(cursor, ("after",))
    flt = PortfolioFilter(awaiting_approval=True, limit=limit + 1,
                          after=position["after"] if position else None)
    return _page(request, session, flt)


@router.post("/portfolios", operation_id="portfolio_create", response_model=PortfolioOut,
             status_code=201, summary="Create a DRAFT portfolio")
def create(*, body: PortfolioCreate, request: Request, response: Response,
           session: caller("portfolio_create")) -> PortfolioOut:
    p = core_of(request).portfolios.create(
        session, body.portfolio_code, name=body.portfolio_name,
        base_currency=body.base_currency, owner=body.owner, desk=body.desk,
        description=body.description, udf_values=body.udf_values)
    response.headers["Location"] = f"{request.url.path}/{p.portfolio_code}"
    return _one(p, response)


@router.get("/portfolios/{code}", operation_id="portfolio_get", response_model=PortfolioOut,
            summary="One portfolio; its version is the ETag")
def get(*, code: Code, request: Request, response: Response,
        session: caller("portfolio_get")) -> PortfolioOut:
    return _one(core_of(request).portfolios.show(session, code), response)


@router.patch("/portfolios/{code}", operation_id="portfolio_edit", response_model=PortfolioOut,
              summary="Edit a draft, or propose a change to an ACTIVE portfolio")
def edit(*, code: Code, body: PortfolioEdit, request: Request, response: Response,
         if_match: IfMatch = None,
         session: caller("portfolio_edit")) -> PortfolioOut:
    version = expected_version(if_match)
    p = core_of(request).portfolios.edit(
        session, code.upper(), version, name=body.portfolio_name,
        description=body.description, base_currency=body.base_currency, owner=body.owner,
        desk=body.desk, udf_values=body.udf_values)
    return _one(p, response)


@router.post("/portfolios/{code}/submit", operation_id="portfolio_submit",
             response_model=PortfolioOut, summary="Submit the draft or pending change")
def submit(*, code: Code, request: Request, response: Response, if_match: IfMatch = None,
           session: caller("portfolio_submit")) -> PortfolioOut:
    version = expected_version(if_match)
    return _one(core_of(request).portfolios.submit(session, code.upper(), version), response)


@router.post("/portfolios/{code}/approve", operation_id="portfolio_approve",
             response_model=PortfolioOut,
             summary="Approve the waiting change (never one you made)")
def approve(*, code: Code, request: Request, response: Response, if_match: IfMatch = None,
            session: caller("portfolio_approve")) -> PortfolioOut:
    version = expected_version(if_match)
    return _one(core_of(request).portfolios.approve(session, code.upper(), version), response)


@router.post("/portfolios/{code}/reject", operation_id="portfolio_reject",
             response_model=PortfolioOut, summary="Reject the waiting change with a reason")
def reject(*, code: Code, body: Reason, request: Request, response: Response,
           if_match: IfMatch = None,
           session: caller("portfolio_reject")) -> PortfolioOut:
    version = expected_version(if_match)
    p = core_of(request).portfolios.reject(session, code.upper(), version, body.reason)
    return _one(p, response)


@router.post("/portfolios/{code}/deactivate", operation_id="portfolio_deactivate",
             response_model=PortfolioOut, summary="Propose deactivating an ACTIVE portfolio")
def deactivate(*, code: Code, request: Request, response: Response, if_match: IfMatch = None,
               body: OptionalReason | None = None,
               session: caller("portfolio_deactivate")) -> PortfolioOut:
    version = expected_version(if_match)
    p = core_of(request).portfolios.deactivate(session, code.upper(), version,
                                               body.reason if body else None)
    return _one(p, response)


@router.get("/portfolios/{code}/history", operation_id="portfolio_history",
            response_model=list[HistoryEntry], summary="Every version, oldest first")
def history(*, code: Code, request: Request,
            session: caller("portfolio_history")) -> list[HistoryEntry]:
    rows = core_of(request).portfolios.history(session, code)
    return [HistoryEntry(**{**r, "action_at": utc(r["action_at"])}) for r in rows]


@router.get("/portfolios/{code}/udf-values", operation_id="portfolio_udf_values",
            response_model=dict[str, str], summary="The portfolio's user-defined field values")
def udf_values(*, code: Code, request: Request, response: Response,
               session: caller("portfolio_udf_values")) -> dict[str, str]:
    p = core_of(request).portfolios.show(session, code)
    response.headers["ETag"] = etag(p.version)
    return dict(p.udf_values)
