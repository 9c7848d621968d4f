"""The audit log: one row per operation, appended and never changed.

This module is the only writer of ``cis_audit_log`` and it only inserts (a row
operation every engine has); there is no update or delete anywhere in the library.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from cistrade_core import jsonutil
from cistrade_core.ids import sortable_id
from cistrade_core.warehouse import SCHEMA, Transaction, Warehouse

TABLE = f"{SCHEMA}.cis_audit_log"
COLUMNS = (
    "event_id", "event_time", "user_login", "action", "entity_type", "entity_id", "outcome",
    "before_json", "after_json", "detail",
)


class Outcome(StrEnum):
    SUCCESS = "SUCCESS"
    DENIED = "DENIED"        # no or expired session, missing permission, four eyes, bad login
    INVALID = "INVALID"      # validation failed, unknown entity, wrong state
    CONFLICT = "CONFLICT"    # stale version or a concurrent change won
    ERROR = "ERROR"          # unexpected failure


@dataclass(frozen=True)
class AuditEvent:
    event_id: str
    event_time: datetime
    user_login: str
    action: str
    entity_type: str
    entity_id: str | None
    outcome: Outcome
    before: Any = None
    after: Any = None
    detail: Any = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "event_id": self.event_id, "event_time": self.event_time.isoformat(sep=" "),
            "user_login": self.user_login, "action": self.action,
            "entity_type": self.entity_type, "entity_id": self.entity_id,
            "outcome": str(self.outcome), "before": self.before, "after": self.after,
            "detail": self.detail,
        }


def new_event(*, at: datetime, user: str, action: str, entity_type: str,
              entity_id: str | None, outcome: Outcome, before: Any = None, after: Any = None,
              detail: Any = None) -> AuditEvent:
    return AuditEvent(sortable_id(), at, user, action, entity_type, entity_id,
                      Outcome(outcome), before, after, detail)


def append(target: Transaction | Warehouse, event: AuditEvent) -> None:
    """Insert one audit row, inside ``target``'s unit of work when it is one."""
    target.insert(TABLE, [_row(event)])


def _row(event: AuditEvent) -> dict[str, Any]:
    values = (event.event_id, event.event_time, event.user_login, event.action,
              event.entity_type, event.entity_id, str(event.outcome),
              jsonutil.dumps(event.before), jsonutil.dumps(event.after),
              jsonutil.dumps(event.detail))
    return dict(zip(COLUMNS, values, strict=True))


@dataclass(frozen=True)
class AuditFilter:
    """What to select from the audit log; every field is optional."""

    user: str | None = None
    action: str | None = None
    entity_type: str | None = None
    entity_id: str | None = None
    outcome: str | None = None
    since: datetime | None = None     # inclusive
    until: datetime | None = None     # exclusive
    after: tuple[datetime, str] | None = None   # keyset pagination: (event_time, event_id)
    limit: int = 1000

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


def select(target: Transaction | Warehouse, flt: AuditFilter) -> list[AuditEvent]:
    """Audit rows matching ``flt``, oldest first."""
    sql = f"SELECT {', '.join(COLUMNS)} FROM {TABLE} WHERE 1 = 1"
    params: list[Any] = []
    for column, value in (("user_login", flt.user), ("action", flt.action),
                          ("entity_type", flt.entity_type), ("entity_id", flt.entity_id),
                          ("outcome", flt.outcome)):
        if value is not None:
            sql += f" AND {column} = ?"
            params.append(value)
    if flt.since is not None:
        sql += " AND event_time >= ?"
        params.append(flt.since)
    if flt.until is not None:
        sql += " AND event_time < ?"
        params.append(flt.until)
    if flt.after is not None:
        sql += " AND (event_time > ? OR (event_time = ? AND event_id > ?))"
        params.extend([flt.after[0], flt.after[0], flt.after[1]])
    sql += " ORDER BY event_time, event_id LIMIT ?"
    params.append(int(flt.limit))
    return [_event(row) for row in target.query(sql, params)]


def _event(row: dict[str, Any]) -> AuditEvent:
    return AuditEvent(
        row["event_id"], row["event_time"], row["user_login"], row["action"],
        row["entity_type"], row["entity_id"], Outcome(row["outcome"]),
        jsonutil.loads(row["before_json"]), jsonutil.loads(row["after_json"]),
        jsonutil.loads(row["detail"]),
    )


def count(target: Transaction | Warehouse, **where: Any) -> int:
    """Rows whose columns equal ``where`` (used by checks and tests)."""
    unknown = set(where) - set(COLUMNS)
    if unknown:
        raise ValueError(f"unknown audit columns: {sorted(unknown)}")
    sql = f"SELECT count(*) AS n FROM {TABLE} WHERE 1 = 1"
    params: Sequence[Any] = []
    for column, value in where.items():
        sql += f" AND {column} = ?"
        params = [*params, value]
    return target.query(sql, params)[0]["n"]
