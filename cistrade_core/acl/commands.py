"""Who may run each ``cistrade`` command: one table, enforced centrally, reused by the API.

Every command has exactly one rule:

- :class:`Permission`: a live user session (``cistrade acl login``) whose user holds
  ``access`` on ``resource`` now (the permission map is read from the tables at each
  check). A refusal, and, for commands whose library call keeps no audit row of its
  own, the command's outcome, are written to the audit log.
- :data:`LOCAL_ADMIN`: the local administrator, i.e. the operating-system account
  that owns ``$CISTRADE_HOME`` (where the warehouse file, the logs and the credentials
  of a deployment live), or root. That account can read and change the warehouse
  directly anyway; these are the service account's commands (loads, schema, metrics,
  development tools) and ACL administration, needed before any user exists. Checked
  by comparing the effective uid of the process with the owner of ``$CISTRADE_HOME``;
  audited as ``admin:<os user>`` where the library audits the operation. An API never
  offers them.
- :class:`Exempt`: no check, with the reason (logging in, reading one's own session,
  writing files generated from the repository's own definitions).

The CLI looks every command up here before running it (:mod:`cistrade_core.cli.guard`);
a command without an entry is refused, and a test fails. This module imports no
click, so a REST API can check the same table.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cistrade_core.acl.model import Access, Resource
from cistrade_core.errors import CoreError


@dataclass(frozen=True)
class Permission:
    """Needs a live session with ``access`` on ``resource``."""

    resource: str
    access: Access
    #: The audit action of the command (the library's own action where it audits).
    action: str
    #: ``True`` when the library call writes the success row itself.
    audited_by_library: bool = False
    #: Audit entity type, and the command parameter that names the entity.
    entity_type: str = "command"
    entity_param: str | None = None
    #: Further (resource, access) the command needs, from its parameters.
    also: Callable[[Mapping[str, Any]], Sequence[tuple[str, Access]]] | None = None

    def describe(self) -> str:
        return f"session: {self.access} on {self.resource}"


@dataclass(frozen=True)
class LocalAdmin:
    def describe(self) -> str:
        return "local administrator"


@dataclass(frozen=True)
class Exempt:
    reason: str

    def describe(self) -> str:
        return f"none ({self.reason})"


Rule = Permission | LocalAdmin | Exempt
LOCAL_ADMIN = LocalAdmin()

R, W = Access.READ, Access.WRITE
P = Resource.PORTFOLIO

#: The data each report reads, needed (READ) besides ``cis-report`` WRITE to run it.
REPORT_RESOURCES: dict[str, str] = {
    "audit_log_monthly": Resource.AUDIT,
    "fx_rates_snapshot": Resource.FX,
    "gmp_daily_load_summary": Resource.GMP,
    "pending_approvals": Resource.PORTFOLIO,
    "portfolio_activity": Resource.PORTFOLIO,
}


def _report_data(params: Mapping[str, Any]) -> list[tuple[str, Access]]:
    resource = REPORT_RESOURCES.get(str(params.get("name")))
    # an unknown report needs READ on everything a report can read (it fails anyway)
    needed = [resource] if resource else sorted(set(REPORT_RESOURCES.values()))
    return [(r, R) for r in needed]


def _portfolio(resource: str, access: Access, action: str, entity: bool = True) -> Permission:
    return Permission(resource, access, action, audited_by_library=True,
                      entity_type="portfolio", entity_param="code" if entity else None)


#: Every command, by its path below ``cistrade``.
COMMANDS: dict[str, Rule] = {
    # sessions and ACL administration
    "acl login": Exempt("opens a session; throttled per login"),
    "acl logout": Exempt("ends the caller's own session"),
    "acl whoami": Exempt("reads the caller's own session"),
    "acl create-group": LOCAL_ADMIN,
    "acl set-parent": LOCAL_ADMIN,
    "acl grant": LOCAL_ADMIN,
    "acl revoke": LOCAL_ADMIN,
    "acl create-user": LOCAL_ADMIN,
    "acl add-member": LOCAL_ADMIN,
    "acl remove-member": LOCAL_ADMIN,
    "acl enable": LOCAL_ADMIN,
    "acl disable": LOCAL_ADMIN,
    "acl set-password": LOCAL_ADMIN,
    "acl users": LOCAL_ADMIN,
    "acl groups": LOCAL_ADMIN,
    "acl permissions": LOCAL_ADMIN,
    "acl seed-demo": LOCAL_ADMIN,
    # the REST API: serving it opens the warehouse; clients are ACL administration
    "api serve": LOCAL_ADMIN,
    "api openapi": Exempt("writes the OpenAPI document generated from the code in the "
                          "repository"),
    "api client-create": LOCAL_ADMIN,
    "api clients": LOCAL_ADMIN,
    # the audit log
    "audit query": Permission(Resource.AUDIT, R, "AUDIT_QUERY", audited_by_library=True,
                              entity_type="audit"),
    # FX rates
    "fx load": LOCAL_ADMIN,
    "fx show": LOCAL_ADMIN,
    "fx convert": LOCAL_ADMIN,
    "fx health": LOCAL_ADMIN,
    "fx release": Permission(Resource.FX, W, "FX_RELEASE", entity_type="fx-pair"),
    "fx seed-currencies": LOCAL_ADMIN,
    "fx simulate": LOCAL_ADMIN,    # development: the market-data simulator
    "fx fault": LOCAL_ADMIN,       # development: faults of the simulator
    # GMP reference data
    "gmp load": LOCAL_ADMIN,
    "gmp status": LOCAL_ADMIN,
    "gmp summary": LOCAL_ADMIN,
    "gmp generate": LOCAL_ADMIN,   # development: sample drops into the landing directory
    "gx render": Exempt("writes expectations/ from the feed definitions in the repository"),
    "gx validate": LOCAL_ADMIN,
    # the mail outbox
    "mail list": LOCAL_ADMIN,
    "mail retry": LOCAL_ADMIN,
    "mail serve": LOCAL_ADMIN,     # development: the local SMTP server
    "notify list": LOCAL_ADMIN,
    "notify retry": LOCAL_ADMIN,
    # monitoring
    "metrics serve": LOCAL_ADMIN,
    "metrics show": LOCAL_ADMIN,
    "metrics dashboards": Exempt("writes the dashboards from their definitions in the "
                                 "repository"),
    # portfolios
    "portfolio create": _portfolio(P, W, "CREATE"),
    "portfolio edit": _portfolio(P, W, "EDIT"),
    "portfolio submit": _portfolio(P, W, "SUBMIT"),
    "portfolio deactivate": _portfolio(P, W, "DEACTIVATE"),
    "portfolio approve": _portfolio(Resource.APPROVAL, W, "APPROVE"),
    "portfolio reject": _portfolio(Resource.APPROVAL, W, "REJECT"),
    "portfolio show": _portfolio(P, R, "VIEW"),
    "portfolio list": _portfolio(P, R, "LIST", entity=False),
    "portfolio history": _portfolio(P, R, "HISTORY"),
    "portfolio remind": Permission(Resource.APPROVAL, W, "REMIND", audited_by_library=True,
                                   entity_type="portfolio"),
    # reports
    "report list": Permission(Resource.REPORT, R, "REPORT_LIST", entity_type="report"),
    "report run": Permission(Resource.REPORT, W, "REPORT_RUN", entity_type="report",
                             entity_param="name", also=_report_data),
    # DDL
    "sql render": Exempt("writes sql/ from the feed definitions in the repository"),
    # user-defined fields
    "udf define": Permission(Resource.UDF, W, "UDF_DEFINE", audited_by_library=True,
                             entity_type="udf", entity_param="name"),
    "udf retire": Permission(Resource.UDF, W, "UDF_RETIRE", audited_by_library=True,
                             entity_type="udf", entity_param="name"),
    "udf list": Permission(Resource.UDF, R, "UDF_LIST", audited_by_library=True,
                           entity_type="udf"),
}


class UnknownCommand(CoreError, KeyError):
    outcome = "DENIED"

    def __str__(self) -> str:
        return (f"command {self.args[0]!r} has no entry in the authorization table "
                "(cistrade_core/acl/commands.py): refused")


def rule_for(command: str) -> Rule:
    try:
        return COMMANDS[command]
    except KeyError:
        raise UnknownCommand(command) from None


def needs(rule: Permission, params: Mapping[str, Any]) -> list[tuple[str, Access]]:
    """Every (resource, access) ``rule`` needs for a call with ``params``."""
    return [(rule.resource, rule.access), *(rule.also(params) if rule.also else ())]


def effective_uid() -> int:
    return os.geteuid()


class NotLocalAdmin(CoreError, PermissionError):
    outcome = "DENIED"

    pass


def check_local_admin(home: Path) -> None:
    """Raise :class:`NotLocalAdmin` unless this process runs as the owner of ``home``
    (``$CISTRADE_HOME``) or as root."""
    uid = effective_uid()
    try:
        owner = home.stat().st_uid
    except FileNotFoundError:  # a new installation: whoever creates it owns it
        owner = uid
    except OSError as exc:
        raise NotLocalAdmin(f"cannot check the owner of {home}: {exc.strerror}") from None
    if uid not in (0, owner):
        raise NotLocalAdmin(
            f"this command is for the local administrator: the owner of {home} "
            f"(uid {owner}) or root; you are uid {uid}")


def markdown_table() -> str:
    """The table as Markdown, as the README shows it."""
    lines = ["| command | needs |", "| --- | --- |"]
    for command, rule in sorted(COMMANDS.items()):
        text = rule.describe()
        if isinstance(rule, Permission) and rule.also is _report_data:
            text += " + READ on the report's data (" + ", ".join(
                f"`{n}`: {r}" for n, r in sorted(REPORT_RESOURCES.items())) + ")"
        lines.append(f"| `cistrade {command}` | {text} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # print the README table
    print(markdown_table(), end="")
