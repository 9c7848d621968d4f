"""The core services wired to one warehouse, clock and mail configuration."""

from __future__ import annotations

from dataclasses import dataclass

from cistrade_core.acl import AclAdmin, SessionManager
from cistrade_core.acl.authz import Actor
from cistrade_core.audit.queries import AuditTrail
from cistrade_core.clock import Clock, utcnow
from cistrade_core.config import Settings, get_settings
from cistrade_core.notify import Notifier
from cistrade_core.portfolio import PortfolioService
from cistrade_core.schema import ensure_core_schema
from cistrade_core.udf import UdfRegistry
from cistrade_core.warehouse import Warehouse, get_warehouse


@dataclass
class Core:
    settings: Settings
    warehouse: Warehouse
    clock: Clock
    notifier: Notifier
    sessions: SessionManager
    portfolios: PortfolioService
    udfs: UdfRegistry
    audit: AuditTrail

    def admin(self, actor: Actor) -> AclAdmin:
        return AclAdmin(self.warehouse, actor, self.clock)


def open_core(settings: Settings | None = None, warehouse: Warehouse | None = None,
              clock: Clock = utcnow, dispatch: bool = True,
              ensure_schema: bool = True) -> Core:
    """Every core service on ``warehouse`` (default: the configured one).

    ``dispatch=False`` leaves notification mail queued in the outbox table for a
    later ``Notifier.dispatch`` instead of sending it after each step.
    """
    settings = settings or get_settings()
    warehouse = warehouse or get_warehouse(settings)
    if ensure_schema:
        ensure_core_schema(warehouse)
    notifier = Notifier(settings, clock)
    return Core(
        settings=settings, warehouse=warehouse, clock=clock, notifier=notifier,
        sessions=SessionManager(warehouse, clock),
        portfolios=PortfolioService(warehouse, notifier, clock, dispatch=dispatch),
        udfs=UdfRegistry(warehouse, clock),
        audit=AuditTrail(warehouse, clock),
    )
