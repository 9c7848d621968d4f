"""The UDF definitions (``cis_udf_master``) and validating a portfolio's values."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from cistrade_core import jsonutil, text_rules
from cistrade_core.acl.authz import actor_login, require
from cistrade_core.acl.model import Access, Resource, Session
from cistrade_core.audit import AuditedRunner, Done, Operation
from cistrade_core.clock import Clock, utcnow
from cistrade_core.errors import InvalidState, NotFound, ValidationError
from cistrade_core.text_rules import check_text
from cistrade_core.udf.types import DataType, canonical
from cistrade_core.warehouse import SCHEMA, Transaction, Warehouse

NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
TABLE = f"{SCHEMA}.cis_udf_master"
MAX_ALLOWED = 500


@dataclass(frozen=True)
class UdfField:
    name: str
    label: str
    data_type: DataType
    allowed_values: tuple[str, ...] = ()
    mandatory: bool = False
    default: str | None = None
    active: bool = True

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "label": self.label, "data_type": str(self.data_type),
                "allowed_values": list(self.allowed_values), "mandatory": self.mandatory,
                "default": self.default, "active": self.active}


@dataclass
class UdfCheck:
    """The outcome of validating values: canonical values, or every problem found."""

    values: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def load_fields(q: Transaction | Warehouse, include_retired: bool = False) -> list[UdfField]:
    sql = f"SELECT * FROM {TABLE}" + ("" if include_retired else " WHERE active")
    return [
        UdfField(r["udf_name"], r["label"], DataType(r["data_type"]),
                 tuple(jsonutil.loads(r["allowed_values"]) or ()), r["mandatory"],
                 r["default_value"], r["active"])
        for r in q.query(sql + " ORDER BY udf_name")
    ]


def _row(fld: UdfField) -> dict[str, Any]:
    """The definition columns of ``fld`` as stored (without the who and when)."""
    return {"udf_name": fld.name, "label": fld.label, "data_type": str(fld.data_type),
            "allowed_values": (jsonutil.dumps(list(fld.allowed_values))
                               if fld.allowed_values else None),
            "mandatory": fld.mandatory, "default_value": fld.default, "active": fld.active}


def validate_values(fields: Sequence[UdfField], values: Mapping[str, Any]) -> UdfCheck:
    """Check a portfolio's full set of UDF values against the active definitions.

    Missing fields take their default; mandatory fields without a value or default,
    unknown fields and badly typed values are all reported together.
    """
    by_name = {f.name: f for f in fields if f.active}
    check = UdfCheck()
    for name in sorted(set(values) - set(by_name)):
        check.problems.append(f"UDF {name!r} is not defined")
    for name, fld in sorted(by_name.items()):
        raw = values.get(name)
        if raw is None or (isinstance(raw, str) and raw.strip() == ""):
            if fld.default is not None:
                raw = fld.default
            elif fld.mandatory:
                check.problems.append(f"UDF {name!r} ({fld.label}) is mandatory")
                continue
            else:
                continue
        try:
            check.values[name] = canonical(fld.data_type, raw, fld.allowed_values)
        except ValueError as exc:
            check.problems.append(f"UDF {name!r} ({fld.data_type.lower()}): {exc}")
    return check


class UdfRegistry:
    """Defining and listing UDFs; needs ``cis-udf`` access."""

    def __init__(self, warehouse: Warehouse, clock: Clock = utcnow) -> None:
        self.warehouse = warehouse
        self.clock = clock
        self.runner = AuditedRunner(warehouse, clock)

    def define(self, session: Session, name: str, label: str, data_type: DataType | str,
               allowed_values: Sequence[str] = (), mandatory: bool = False,
               default: str | None = None) -> UdfField:
        request = {"label": label, "data_type": str(data_type),
                   "allowed_values": list(allowed_values), "mandatory": mandatory,
                   "default": default}
        op = Operation(actor_login(session), "UDF_DEFINE", "udf", name, request=request)

        def body(tx: Transaction) -> Done[UdfField]:
            require(tx, session, Resource.UDF, Access.WRITE, self.clock())
            fld = self._checked_field(name, label, data_type, allowed_values, mandatory,
                                      default)
            if tx.query(f"SELECT udf_name FROM {TABLE} WHERE udf_name = ?", [fld.name]):
                raise InvalidState(f"UDF {fld.name!r} is already defined")
            now, by = self.clock(), actor_login(session)
            tx.insert(TABLE, [{**_row(fld), "created_at": now, "created_by": by,
                               "updated_at": now, "updated_by": by}])
            return Done(fld, after=fld.as_dict())

        return self.runner.run(op, body)

    @staticmethod
    def _checked_field(name: str, label: str, data_type: DataType | str,
                       allowed_values: Sequence[str], mandatory: bool,
                       default: str | None) -> UdfField:
        problems = []
        if not NAME_RE.fullmatch(name or ""):
            problems.append("a UDF name is lower-case letters, digits and '_', starting with "
                            "a letter, at most 64 characters")
        try:
            label = check_text("UDF label", label, text_rules.NAME)
        except ValueError as exc:
            problems.append(str(exc))
        try:
            dtype = data_type if isinstance(data_type, DataType) else DataType.parse(data_type)
        except ValueError as exc:
            raise ValidationError([*problems, str(exc)]) from None
        allowed = tuple(dict.fromkeys(v.strip() for v in allowed_values if v.strip()))
        for value in allowed:
            problem = text_rules.text_problem("an allowed value", value,
                                              text_rules.UDF_ENUM_VALUE)
            if problem:
                problems.append(problem)
        if len(allowed) > MAX_ALLOWED:
            problems.append(f"an enumeration has at most {MAX_ALLOWED} allowed values")
        if dtype is DataType.ENUM and not allowed:
            problems.append("an enumeration needs its allowed values")
        if dtype is not DataType.ENUM and allowed:
            problems.append("allowed values are only for enumerations")
        canonical_default = None
        if default is not None and default.strip() != "":
            try:
                canonical_default = canonical(dtype, default, allowed)
            except ValueError as exc:
                problems.append(f"default {exc}")
        if problems:
            raise ValidationError(problems)
        return UdfField(name, label, dtype, allowed, bool(mandatory), canonical_default)

    def retire(self, session: Session, name: str) -> None:
        """Stop offering a field; values already stored stay in the history."""
        op = Operation(actor_login(session), "UDF_RETIRE", "udf", name)

        def body(tx: Transaction) -> Done[None]:
            require(tx, session, Resource.UDF, Access.WRITE, self.clock())
            changed = tx.update(
                TABLE, {"active": False, "updated_at": self.clock(),
                        "updated_by": session.user_login},
                {"udf_name": name, "active": True})
            if not changed:
                raise NotFound(f"no active UDF {name!r}")
            return Done(before={"active": True}, after={"active": False})

        self.runner.run(op, body)

    def list(self, session: Session, include_retired: bool = False) -> list[UdfField]:
        op = Operation(actor_login(session), "UDF_LIST", "udf", None)

        def body(tx: Transaction) -> Done[list[UdfField]]:
            require(tx, session, Resource.UDF, Access.READ, self.clock())
            fields = load_fields(tx, include_retired)
            return Done(fields, detail={"rows": len(fields)})

        return self.runner.run(op, body)
