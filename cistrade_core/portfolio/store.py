"""Reading (portable SQL, ``?`` placeholders) and writing (row operations) the portfolio tables."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cistrade_core import jsonutil
from cistrade_core.portfolio.model import FIELDS, PendingAction, Portfolio, Status
from cistrade_core.warehouse import SCHEMA, Transaction, Warehouse

PORTFOLIO = f"{SCHEMA}.cis_portfolio"
HISTORY = f"{SCHEMA}.cis_portfolio_history"
UDF_VALUE = f"{SCHEMA}.cis_udf_value"
#: Values per ``IN (...)`` list: keeps statements short on engines that bind on the client.
IN_CHUNK = 1000
Q = Transaction | Warehouse
COLUMNS = (
    "portfolio_code", *FIELDS, "status", "version", "change_makers", "pending_action",
    "pending_status", "pending_data", "submitted_by", "submitted_at", "rejection_reason",
    "approved_by", "approved_at", "created_by", "created_at", "updated_by", "updated_at",
)
MUTABLE = tuple(c for c in COLUMNS if c not in ("portfolio_code", "created_by", "created_at"))
HISTORY_COLUMNS = (
    "portfolio_code", "version", "action", "actor", "action_at", "reason", *FIELDS, "status",
    "udf_values", "pending_action", "pending_status", "pending_data",
)


def _row(p: Portfolio, columns: tuple[str, ...]) -> dict[str, Any]:
    """``p`` as stored: ``columns`` to their column values."""
    out = {}
    for col in columns:
        value = getattr(p, col)
        if col == "change_makers":
            value = jsonutil.dumps(list(value))
        elif col == "pending_data":
            value = jsonutil.dumps(value)
        elif col in ("status", "pending_action", "pending_status") and value is not None:
            value = str(value)
        out[col] = value
    return out


def _portfolio(row: dict[str, Any], udf_values: dict[str, str]) -> Portfolio:
    kwargs = {c: row[c] for c in COLUMNS}
    kwargs["status"] = Status(row["status"])
    kwargs["change_makers"] = tuple(jsonutil.loads(row["change_makers"]) or ())
    kwargs["pending_action"] = PendingAction(row["pending_action"]) if row["pending_action"] \
        else None
    kwargs["pending_status"] = Status(row["pending_status"]) if row["pending_status"] else None
    kwargs["pending_data"] = jsonutil.loads(row["pending_data"])
    return Portfolio(udf_values=udf_values, **kwargs)


def fetch(q: Q, code: str) -> Portfolio | None:
    rows, values = q.queries([
        (f"SELECT {', '.join(COLUMNS)} FROM {PORTFOLIO} WHERE portfolio_code = ?", [code]),
        _udf_values_sql(code)])
    if not rows:
        return None
    return _portfolio(rows[0], {r["udf_name"]: r["udf_value"] for r in values})


def _udf_values_sql(code: str) -> tuple[str, list[Any]]:
    return (f"SELECT udf_name, udf_value FROM {UDF_VALUE} "
            "WHERE portfolio_code = ? ORDER BY udf_name", [code])


def udf_values(q: Q, code: str) -> dict[str, str]:
    rows = q.query(*_udf_values_sql(code))
    return {r["udf_name"]: r["udf_value"] for r in rows}


def udf_values_of(q: Q, codes: Sequence[str]) -> dict[str, dict[str, str]]:
    """``{portfolio_code: {udf_name: value}}`` of ``codes`` (read in chunks)."""
    out: dict[str, dict[str, str]] = {}
    for start in range(0, len(codes), IN_CHUNK):
        chunk = codes[start:start + IN_CHUNK]
        for r in q.query(f"SELECT portfolio_code, udf_name, udf_value FROM {UDF_VALUE} "
                         f"WHERE portfolio_code IN ({', '.join('?' for _ in chunk)})", chunk):
            out.setdefault(r["portfolio_code"], {})[r["udf_name"]] = r["udf_value"]
    return out


def insert(tx: Transaction, p: Portfolio) -> None:
    """Add a new portfolio; a concurrent creation of the same code conflicts."""
    tx.insert(PORTFOLIO, [_row(p, COLUMNS)])


def update(tx: Transaction, p: Portfolio, expected_version: int) -> int:
    """Write ``p`` over the row if it is still at ``expected_version``; rows changed.

    Of two concurrent updates from the same version, one raises ``WriteConflict``.
    """
    return tx.update(PORTFOLIO, _row(p, MUTABLE),
                     {"portfolio_code": p.portfolio_code, "version": expected_version})


def replace_udf_values(tx: Transaction, code: str, values: Mapping[str, str],
                       before: Mapping[str, str], by: str, at: datetime) -> None:
    """Make ``values`` the UDF values of ``code``, whose stored values are ``before``.

    The removed names are deleted by key and every value is upserted (stamped
    ``at``/``by``), so nothing depends on the order an engine applies them in.
    """
    for name in sorted(set(before) - set(values)):
        tx.delete(UDF_VALUE, {"portfolio_code": code, "udf_name": name})
    if values:
        tx.upsert(UDF_VALUE, [
            {"portfolio_code": code, "udf_name": name, "udf_value": value, "updated_at": at,
             "updated_by": by}
            for name, value in sorted(values.items())
        ])


def append_history(tx: Transaction, p: Portfolio, action: str, actor: str, at: datetime,
                   reason: str | None = None) -> None:
    values = {
        "portfolio_code": p.portfolio_code, "version": p.version, "action": action,
        "actor": actor, "action_at": at, "reason": reason,
        **{f: getattr(p, f) for f in FIELDS},
        "status": str(p.status), "udf_values": jsonutil.dumps(p.udf_values),
        "pending_action": str(p.pending_action) if p.pending_action else None,
        "pending_status": str(p.pending_status) if p.pending_status else None,
        "pending_data": jsonutil.dumps(p.pending_data),
    }
    tx.insert(HISTORY, [{c: values[c] for c in HISTORY_COLUMNS}])


def history(q: Q, code: str) -> list[dict[str, Any]]:
    rows = q.query(f"SELECT {', '.join(HISTORY_COLUMNS)} FROM {HISTORY} "
                   "WHERE portfolio_code = ? ORDER BY version", [code])
    for r in rows:
        r["udf_values"] = jsonutil.loads(r["udf_values"])
        r["pending_data"] = jsonutil.loads(r["pending_data"])
    return rows


@dataclass(frozen=True)
class PortfolioFilter:
    status: str | None = None
    desk: str | None = None
    owner: str | None = None
    awaiting_approval: bool = False
    submitted_before: datetime | None = None
    after: str | None = None      # keyset pagination: codes after this one
    limit: int = 500


def select(q: Q, flt: PortfolioFilter) -> list[Portfolio]:
    sql = f"SELECT {', '.join(COLUMNS)} FROM {PORTFOLIO} WHERE 1 = 1"
    params: list[Any] = []
    for column, value in (("status", flt.status), ("desk", flt.desk), ("owner", flt.owner)):
        if value is not None:
            sql += f" AND {column} = ?"
            params.append(str(value))
    if flt.awaiting_approval:
        sql += " AND (status = 'PENDING_APPROVAL' OR pending_status = 'PENDING_APPROVAL')"
    if flt.submitted_before is not None:
        sql += " AND submitted_at <= ?"
        params.append(flt.submitted_before)
    if flt.after is not None:
        sql += " AND portfolio_code > ?"
        params.append(flt.after)
    sql += " ORDER BY portfolio_code LIMIT ?"
    params.append(int(flt.limit))
    rows = q.query(sql, params)
    values = udf_values_of(q, [r["portfolio_code"] for r in rows])
    return [_portfolio(r, values.get(r["portfolio_code"], {})) for r in rows]


def currency_active(q: Q, code: str) -> bool | None:
    """True/False for an active/inactive currency in the current reference data, None if absent."""
    rows = q.query(f"SELECT is_active FROM {SCHEMA}.gmp_cis_sta_dly_currency_current "
                   "WHERE currency_code = ?", [code])
    if not rows:
        return None
    return rows[0]["is_active"] == "Y"
