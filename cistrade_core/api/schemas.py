"""Request and response bodies of the API (pydantic models)."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from cistrade_core.clock import as_utc
from cistrade_core.portfolio import Portfolio


def utc(ts: datetime | None) -> datetime | None:
    """A timestamp as aware UTC (rendered with ``Z``)."""
    return None if ts is None else as_utc(ts)


_NUMBER = re.compile(r"\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*")


def _written_as(expected: str):
    """Refuse a number where ISO 8601 text is expected (pydantic would read it as Unix time)."""
    def check(value: Any) -> Any:
        if isinstance(value, (int, float)) or (isinstance(value, str)
                                               and _NUMBER.fullmatch(value)):
            raise ValueError(f"expected {expected}, not a number")
        return value
    return BeforeValidator(check)


#: A date in a query string: ``YYYY-MM-DD`` only.
IsoDate = Annotated[date, _written_as("an ISO 8601 date, e.g. 2026-12-01")]
#: A date-time in a query string: ISO 8601 only.
IsoDateTime = Annotated[datetime, _written_as("an ISO 8601 date-time, e.g. 2026-12-01T09:00:00Z")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TokenResponse(BaseModel):
    access_token: str
    token_type: str = "Bearer"
    expires_in: int = Field(description="seconds until the token expires")


class WhoAmI(BaseModel):
    user_login: str
    user_name: str
    user_email: str
    primary_group: str | None
    permissions: dict[str, str]
    expires_at: datetime


class PortfolioCreate(Strict):
    portfolio_code: str = Field(min_length=2, max_length=32,
                                pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{1,31}$")
    portfolio_name: str = Field(min_length=1, max_length=200)
    base_currency: str = Field(pattern=r"^[A-Za-z]{3}$")
    owner: str = Field(min_length=1, max_length=100)
    desk: str = Field(min_length=1, max_length=100)
    description: str | None = Field(None, max_length=2000)
    udf_values: dict[str, str] = Field(default_factory=dict)


class PortfolioEdit(Strict):
    """Fields to change; a field left out keeps its value, an empty UDF value removes it."""

    portfolio_name: str | None = Field(None, min_length=1, max_length=200)
    base_currency: str | None = Field(None, pattern=r"^[A-Za-z]{3}$")
    owner: str | None = Field(None, min_length=1, max_length=100)
    desk: str | None = Field(None, min_length=1, max_length=100)
    description: str | None = Field(None, max_length=2000)
    udf_values: dict[str, str] = Field(default_factory=dict)


class Reason(Strict):
    reason: str = Field(min_length=1, max_length=2000)


class OptionalReason(Strict):
    reason: str | None = Field(None, max_length=2000)


class PortfolioOut(BaseModel):
    portfolio_code: str
    portfolio_name: str
    description: str | None
    base_currency: str
    owner: str
    desk: str
    status: str
    version: int
    udf_values: dict[str, str]
    change_makers: list[str]
    pending_action: str | None
    pending_status: str | None
    pending_data: dict[str, Any] | None
    submitted_by: str | None
    submitted_at: datetime | None
    rejection_reason: str | None
    approved_by: str | None
    approved_at: datetime | None
    created_by: str
    created_at: datetime | None
    updated_by: str
    updated_at: datetime | None

    @classmethod
    def of(cls, p: Portfolio) -> PortfolioOut:
        d = p.as_dict()
        for key in ("submitted_at", "approved_at", "created_at", "updated_at"):
            d[key] = utc(d[key])
        for key in ("status", "pending_action", "pending_status"):
            d[key] = None if d[key] is None else str(d[key])
        return cls(**d)


class PortfolioPage(BaseModel):
    items: list[PortfolioOut]
    next_cursor: str | None = Field(None, description="pass as ?cursor= for the next page")


class HistoryEntry(BaseModel):
    portfolio_code: str
    version: int
    action: str
    actor: str
    action_at: datetime
    reason: str | None
    portfolio_name: str
    description: str | None
    base_currency: str
    owner: str
    desk: str
    status: str
    udf_values: dict[str, str] | None
    pending_action: str | None
    pending_status: str | None
    pending_data: dict[str, Any] | None
