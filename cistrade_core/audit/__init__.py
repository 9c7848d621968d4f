"""The append-only audit log and the runner that records every operation in it."""

from cistrade_core.audit.log import AuditEvent, AuditFilter, Outcome
from cistrade_core.audit.recorder import AuditedRunner, Done, Operation

__all__ = ["AuditEvent", "AuditFilter", "AuditedRunner", "Done", "Operation", "Outcome"]
