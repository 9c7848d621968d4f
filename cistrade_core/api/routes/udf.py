"""User-defined field definitions (``cis-udf``); values live on each portfolio."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response
from pydantic import BaseModel, Field

from cistrade_core.api.auth import caller, core_of
from cistrade_core.api.schemas import Strict

router = APIRouter(tags=["user-defined fields"])
Name = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_]*$")]


class UdfOut(BaseModel):
    name: str
    label: str
    data_type: str
    allowed_values: list[str]
    mandatory: bool
    default: str | None
    active: bool


class UdfDefine(Strict):
    name: str = Field(min_length=1, max_length=64)
    label: str = Field(min_length=1, max_length=200)
    data_type: str = Field(description="STRING, INTEGER, DECIMAL, DATE, BOOLEAN or ENUM",
                           max_length=20)
    allowed_values: list[str] = Field(default_factory=list, max_length=200)
    mandatory: bool = False
    default: str | None = Field(None, max_length=200)


@router.get("/udfs", operation_id="udf_list", response_model=list[UdfOut],
            summary="The user-defined field definitions")
def list_udfs(*, request: Request, session: caller("udf_list"),
              include_retired: bool = False) -> list[UdfOut]:
    fields = core_of(request).udfs.list(session, include_retired)
    return [UdfOut(**f.as_dict()) for f in fields]


@router.post("/udfs", operation_id="udf_define", response_model=UdfOut, status_code=201,
             summary="Define a new user-defined field")
def define(*, body: UdfDefine, request: Request, session: caller("udf_define")) -> UdfOut:
    f = core_of(request).udfs.define(session, body.name, body.label, body.data_type,
                                     body.allowed_values, body.mandatory, body.default)
    return UdfOut(**f.as_dict())


@router.delete("/udfs/{name}", operation_id="udf_retire", status_code=204,
               summary="Retire a field (stored values stay in the history)")
def retire(*, name: Name, request: Request, session: caller("udf_retire")) -> Response:
    core_of(request).udfs.retire(session, name)
    return Response(status_code=204)
