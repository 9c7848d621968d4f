"""The audit log: ``cis-audit`` READ; each query is itself audited (``AUDIT_QUERY``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from cistrade_core.api.auth import caller, core_of
from cistrade_core.api.routes.common import decode_cursor, encode_cursor
from cistrade_core.api.schemas import IsoDateTime, utc
from cistrade_core.audit import AuditFilter, Outcome
from cistrade_core.audit.log import AuditEvent

router = APIRouter(tags=["audit"])
Text = Annotated[str | None, Query(max_length=200)]


class AuditEventOut(BaseModel):
    event_id: str
    event_time: datetime
    user_login: str
    action: str
    entity_type: str
    entity_id: str | None
    outcome: str
    before: Any = None
    after: Any = None
    detail: Any = None

    @classmethod
    def of(cls, e: AuditEvent) -> AuditEventOut:
        return cls(event_id=e.event_id, event_time=utc(e.event_time), user_login=e.user_login,
                   action=e.action, entity_type=e.entity_type, entity_id=e.entity_id,
                   outcome=str(e.outcome), before=e.before, after=e.after, detail=e.detail)


class AuditPage(BaseModel):
    items: list[AuditEventOut]
    next_cursor: str | None = Field(None, description="pass as ?cursor= for the next page")



@router.get("/audit", operation_id="audit_query", response_model=AuditPage,
            summary="Audit rows, oldest first, filtered by user, action, entity, outcome, time")
def query(*, request: Request, session: caller("audit_query"), user: Text = None,
          action: Text = None, entity_type: Text = None, entity_id: Text = None,
          outcome: Outcome | None = None,
          since: Annotated[IsoDateTime | None, Query(description="inclusive, UTC")] = None,
          until: Annotated[IsoDateTime | None, Query(description="exclusive, UTC")] = None,
          limit: Annotated[int, Query(ge=1, le=1000)] = 100,
          cursor: Annotated[str | None, Query(max_length=200)] = None) -> AuditPage:
    position = decode_cursor(cursor, ("time", "id"))
    after = None
    if position is not None:
        try:
            after = (datetime.fromisoformat(position["time"]), position["id"])
        except ValueError:
            after = None
    flt = AuditFilter(user=user, action=action.upper() if action else None,
                      entity_type=entity_type, entity_id=entity_id,
                      outcome=str(outcome) if outcome else None, since=since,
                      until=until, after=after, limit=limit + 1)
    events = core_of(request).audit.query(session, flt)
    more = len(events) > limit
    events = events[:limit]
    next_cursor = None
    if more:
        last = events[-1]
        next_cursor = encode_cursor({"time": last.event_time.isoformat(), "id": last.event_id})
    return AuditPage(items=[AuditEventOut.of(e) for e in events], next_cursor=next_cursor)
