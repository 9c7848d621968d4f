"""What each API operation needs: one table, checked on every request.

The key is the route's operation id (also its name in the OpenAPI document).
A route that does what a ``cistrade`` command does takes that command's rule
from the CLI's authorization table (:data:`cistrade_core.acl.commands.COMMANDS`),
so the two cannot drift. ``resource=None`` means any live session will do.
Reference data and business days need READ on ``cis-gmp`` (the GMP reference
data), FX rates READ on ``cis-fx``; their CLI commands are the local
administrator's loads and checks, which the API does not offer. The library
checks again inside each operation; this table
makes the refusal happen before any work, and lets the OpenAPI document say what
each route needs.
"""

from __future__ import annotations

from dataclasses import dataclass

from cistrade_core.acl.commands import COMMANDS, Permission
from cistrade_core.acl.model import Access, Resource


@dataclass(frozen=True)
class Needs:
    resource: Resource | None
    access: Access = Access.READ

    def describe(self) -> str:
        if self.resource is None:
            return "any logged-in user"
        return f"{self.access} on {self.resource}"


LOGGED_IN = Needs(None)
REFERENCE_DATA = Needs(Resource.GMP)
FX_RATES = Needs(Resource.FX)


def same_as(command: str) -> Needs:
    """The rule of the ``cistrade`` command ``command`` (a session permission)."""
    rule = COMMANDS[command]
    if not isinstance(rule, Permission):
        raise TypeError(f"{command!r} is not a session command; the API cannot mirror it")
    return Needs(Resource(rule.resource), rule.access)


#: Operation id -> the CLI command whose rule it shares.
MIRRORS_COMMAND = {
    "portfolios_list": "portfolio list",
    "portfolios_pending": "portfolio list",
    "portfolio_get": "portfolio show",
    "portfolio_udf_values": "portfolio show",
    "portfolio_history": "portfolio history",
    "portfolio_create": "portfolio create",
    "portfolio_edit": "portfolio edit",
    "portfolio_submit": "portfolio submit",
    "portfolio_deactivate": "portfolio deactivate",
    "portfolio_approve": "portfolio approve",
    "portfolio_reject": "portfolio reject",
    "udf_list": "udf list",
    "udf_define": "udf define",
    "udf_retire": "udf retire",
    "audit_query": "audit query",
}

ROUTE_PERMISSIONS: dict[str, Needs] = {
    "logout": LOGGED_IN,
    "whoami": LOGGED_IN,
    **{route: same_as(command) for route, command in MIRRORS_COMMAND.items()},
    "refdata_list": REFERENCE_DATA,
    "refdata_dates": REFERENCE_DATA,
    "business_day_check": REFERENCE_DATA,
    "business_day_add": REFERENCE_DATA,
    "business_day_next": REFERENCE_DATA,
    "fx_current": FX_RATES,
    "fx_history": FX_RATES,
    "fx_convert": FX_RATES,
}
