"""Portfolio records, their states and the changes waiting for approval."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class Status(StrEnum):
    DRAFT = "DRAFT"                          # new, being prepared by a maker
    PENDING_APPROVAL = "PENDING_APPROVAL"    # new, submitted to the checkers
    ACTIVE = "ACTIVE"                        # approved and in use
    REJECTED = "REJECTED"                    # new, sent back by a checker with a reason
    INACTIVE = "INACTIVE"                    # deactivation approved; read-only


class PendingAction(StrEnum):
    """A change proposed to an ACTIVE portfolio, which stays current meanwhile."""

    EDIT = "EDIT"
    DEACTIVATE = "DEACTIVATE"


#: The business fields of a portfolio besides its code and UDF values.
FIELDS = ("portfolio_name", "description", "base_currency", "owner", "desk")


@dataclass(frozen=True)
class Portfolio:
    portfolio_code: str
    portfolio_name: str
    description: str | None
    base_currency: str
    owner: str
    desk: str
    status: Status
    version: int
    udf_values: dict[str, str] = field(default_factory=dict)
    change_makers: tuple[str, ...] = ()
    pending_action: PendingAction | None = None
    pending_status: Status | None = None
    pending_data: dict[str, Any] | None = None
    submitted_by: str | None = None
    submitted_at: datetime | None = None
    rejection_reason: str | None = None
    approved_by: str | None = None
    approved_at: datetime | None = None
    created_by: str = ""
    created_at: datetime | None = None
    updated_by: str = ""
    updated_at: datetime | None = None

    def record(self) -> dict[str, Any]:
        """The business content: the fields and the UDF values."""
        out: dict[str, Any] = {f: getattr(self, f) for f in FIELDS}
        out["udf_values"] = dict(sorted(self.udf_values.items()))
        return out

    def proposed(self) -> dict[str, Any]:
        """The record as it will be once the waiting change is approved."""
        if self.pending_action is PendingAction.EDIT and self.pending_data is not None:
            return self.pending_data
        return self.record()

    @property
    def awaiting_approval(self) -> bool:
        return (self.status is Status.PENDING_APPROVAL
                or self.pending_status is Status.PENDING_APPROVAL)

    @property
    def is_new(self) -> bool:
        """Never approved yet: the whole record is the change."""
        return self.status in (Status.DRAFT, Status.PENDING_APPROVAL, Status.REJECTED)

    @property
    def change_label(self) -> str:
        if self.is_new:
            return "creation"
        if self.pending_action is PendingAction.DEACTIVATE:
            return "deactivation"
        return "change"

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["change_makers"] = list(self.change_makers)
        return out


def changes(before: dict[str, Any] | None, after: dict[str, Any]) -> list[dict[str, Any]]:
    """Field-by-field differences of two records (UDFs as ``udf:<name>``)."""
    before = before or {}
    out = []
    for name in FIELDS:
        if before.get(name) != after.get(name):
            out.append({"field": name, "old": before.get(name), "new": after.get(name)})
    old_udf, new_udf = before.get("udf_values") or {}, after.get("udf_values") or {}
    for name in sorted(set(old_udf) | set(new_udf)):
        if old_udf.get(name) != new_udf.get(name):
            out.append({"field": f"udf:{name}", "old": old_udf.get(name),
                        "new": new_udf.get(name)})
    return out
