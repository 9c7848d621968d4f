"""Querying the audit log: needs READ on ``cis-audit``, and is itself audited."""

from __future__ import annotations

from cistrade_core.acl.authz import actor_login, require
from cistrade_core.acl.model import Access, Resource, Session
from cistrade_core.audit.log import AuditEvent, AuditFilter, select
from cistrade_core.audit.recorder import AuditedRunner, Done, Operation
from cistrade_core.clock import Clock, utcnow
from cistrade_core.warehouse import Transaction, Warehouse


class AuditTrail:
    def __init__(self, warehouse: Warehouse, clock: Clock = utcnow) -> None:
        self.clock = clock
        self.runner = AuditedRunner(warehouse, clock)

    def query(self, session: Session, flt: AuditFilter | None = None) -> list[AuditEvent]:
        """Audit rows matching ``flt`` (user, action, entity, outcome, time range)."""
        flt = flt or AuditFilter()

        def body(tx: Transaction) -> Done[list[AuditEvent]]:
            require(tx, session, Resource.AUDIT, Access.READ, self.clock())
            events = select(tx, flt)
            return Done(events, detail={"filters": flt.as_dict(), "rows": len(events)})

        return self.runner.run(Operation(actor_login(session), "AUDIT_QUERY", "audit", None), body)
