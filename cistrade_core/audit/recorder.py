"""Running an operation so that it leaves exactly one audit row.

A successful operation writes its audit row in the operation's own unit of
work, so the change and its audit row are applied together. A refused or failed
one is abandoned (nothing it wrote is applied) and its audit row is then written
on its own, with the outcome and the error.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from cistrade_core.audit.log import Outcome, append, new_event
from cistrade_core.clock import Clock, utcnow
from cistrade_core.errors import ConflictError, CoreError
from cistrade_core.warehouse import Transaction, Warehouse, WriteConflict

log = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass
class Done(Generic[T]):
    """What an operation body returns: its result and what to audit."""

    value: T = None  # type: ignore[assignment]
    before: Any = None
    after: Any = None
    detail: dict[str, Any] | None = None


@dataclass
class Operation:
    """Who does what to which entity; ``user`` may be set by the body (e.g. at login)."""

    user: str
    action: str
    entity_type: str
    entity_id: str | None = None
    request: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class AuditedRunner:
    """Runs operation bodies in a transaction and records each in the audit log."""

    def __init__(self, warehouse: Warehouse, clock: Clock = utcnow) -> None:
        self.warehouse = warehouse
        self.clock = clock

    def run(self, op: Operation, body: Callable[[Transaction], Done[T]]) -> T:
        try:
            with self.warehouse.transaction() as tx:
                done = body(tx)
                detail = dict(done.detail or {})
                if op.request:
                    detail.setdefault("request", op.request)
                append(tx, new_event(
                    at=self.clock(), user=op.user, action=op.action,
                    entity_type=op.entity_type, entity_id=op.entity_id,
                    outcome=Outcome.SUCCESS, before=done.before, after=done.after,
                    detail=detail or None,
                ))
            return done.value
        except WriteConflict as exc:
            error = ConflictError(
                f"{op.entity_type} {op.entity_id} was changed by someone else at the same "
                "time; reload it and try again"
            )
            self._refused(op, error)
            raise error from exc
        except CoreError as exc:
            self._refused(op, exc)
            raise
        except Exception as exc:
            self._refused(op, exc)
            raise

    def _refused(self, op: Operation, exc: BaseException) -> None:
        outcome = exc.outcome if isinstance(exc, CoreError) else Outcome.ERROR
        detail: dict[str, Any] = {"error": type(exc).__name__, "message": str(exc)}
        if op.request:
            detail["request"] = op.request
        detail.update(op.extra)
        try:
            append(self.warehouse, new_event(
                at=self.clock(), user=op.user, action=op.action, entity_type=op.entity_type,
                entity_id=op.entity_id, outcome=Outcome(outcome), detail=detail,
            ))
        except Exception:  # the original error matters more; keep it, log this one
            log.exception("could not write the audit row for refused %s", op.action)
