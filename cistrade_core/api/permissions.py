"""What each API operation needs: one table, checked on every request.

The key is the route's operation id (also its name in the OpenAPI document).
``resource=None`` means any live session will do (reference data and FX
rates, readable by every logged-in user). The library checks again inside
each operation; this table makes the refusal happen before any work, and
lets the OpenAPI document say what each route needs.
"""

from __future__ import annotations

from dataclasses import dataclass

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

ROUTE_PERMISSIONS: dict[str, Needs] = {
    "logout": LOGGED_IN,
    "whoami": LOGGED_IN,
    "portfolios_list": Needs(Resource.PORTFOLIO, Access.READ),
    "portfolios_pending": Needs(Resource.PORTFOLIO, Access.READ),
    "portfolio_get": Needs(Resource.PORTFOLIO, Access.READ),
    "portfolio_history": Needs(Resource.PORTFOLIO, Access.READ),
    "portfolio_udf_values": Needs(Resource.PORTFOLIO, Access.READ),
    "portfolio_create": Needs(Resource.PORTFOLIO, Access.WRITE),
    "portfolio_edit": Needs(Resource.PORTFOLIO, Access.WRITE),
    "portfolio_submit": Needs(Resource.PORTFOLIO, Access.WRITE),
    "portfolio_deactivate": Needs(Resource.PORTFOLIO, Access.WRITE),
    "portfolio_approve": Needs(Resource.APPROVAL, Access.WRITE),
    "portfolio_reject": Needs(Resource.APPROVAL, Access.WRITE),
    "udf_list": Needs(Resource.UDF, Access.READ),
    "udf_define": Needs(Resource.UDF, Access.WRITE),
    "udf_retire": Needs(Resource.UDF, Access.WRITE),
    "audit_query": Needs(Resource.AUDIT, Access.READ),
    "refdata_list": LOGGED_IN,
    "refdata_dates": LOGGED_IN,
    "business_day_check": LOGGED_IN,
    "business_day_add": LOGGED_IN,
    "business_day_next": LOGGED_IN,
    "fx_current": LOGGED_IN,
    "fx_history": LOGGED_IN,
    "fx_convert": LOGGED_IN,
}
