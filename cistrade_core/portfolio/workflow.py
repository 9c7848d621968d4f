"""The maker-checker workflow of portfolios.

A maker creates or edits a portfolio (DRAFT) and submits it (PENDING_APPROVAL);
a checker approves it (ACTIVE) or rejects it with a reason (REJECTED), after
which the maker can edit and submit it again. Editing or deactivating an ACTIVE
portfolio proposes a pending change; the approved record stays current until a
checker approves the change. Nobody who made a change can approve or reject it.

Every change carries the version the caller last saw; if the portfolio moved on
since, or a concurrent change commits first, the call fails with
:class:`ConflictError` and changes nothing. Each call leaves one audit row, and
each change one row in the history.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from cistrade_core import text_rules
from cistrade_core.acl import store as acl_store
from cistrade_core.acl.authz import actor_login, require
from cistrade_core.acl.model import Access, Resource, Session
from cistrade_core.audit import AuditedRunner, Done, Operation
from cistrade_core.clock import Clock, utcnow
from cistrade_core.errors import (
    ConflictError,
    FourEyesViolation,
    InvalidState,
    NotFound,
    ValidationError,
)
from cistrade_core.notify import About, Mail, MailKind, Notifier
from cistrade_core.portfolio import store
from cistrade_core.portfolio.model import FIELDS, PendingAction, Portfolio, Status, changes
from cistrade_core.portfolio.store import PortfolioFilter
from cistrade_core.text_rules import check_text
from cistrade_core.udf import load_fields, validate_values
from cistrade_core.warehouse import Transaction, Warehouse

log = logging.getLogger(__name__)

CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9_.-]{1,31}$")
CURRENCY_RE = re.compile(r"^[A-Z]{3}$")
RULES = {"portfolio_name": text_rules.NAME, "description": text_rules.DESCRIPTION,
         "owner": text_rules.SHORT_NAME, "desk": text_rules.SHORT_NAME}

#: A state transition: from the current record to the new one and a reason for the history.
Step = Callable[[Transaction, Portfolio, datetime], tuple[Portfolio, str | None]]


def _clean_text(name: str, value: Any, problems: list[str], required: bool) -> str | None:
    try:
        return check_text(name, value, RULES[name], required=required)
    except ValueError as exc:
        problems.append(str(exc))
        return None


def _reason(value: str | None, required: bool) -> str | None:
    try:
        return check_text("reason", value, text_rules.REASON, required=required)
    except ValueError as exc:
        raise ValidationError(str(exc) if value and value.strip()
                              else "a rejection needs a reason") from None


class PortfolioService:
    """Portfolio operations for logged-in users.

    ``notifier`` queues mail with each step; with ``dispatch=True`` it is sent
    right after the step commits, otherwise it waits for ``Notifier.dispatch``
    (the reminders DAG and ``cistrade notify dispatch`` send what is queued).
    """

    def __init__(self, warehouse: Warehouse, notifier: Notifier | None = None,
                 clock: Clock = utcnow, dispatch: bool = True) -> None:
        self.warehouse = warehouse
        self.notifier = notifier
        self.clock = clock
        self.dispatch = dispatch
        self.runner = AuditedRunner(warehouse, clock)

    # -- validation --------------------------------------------------------------------------
    def _validated(self, tx: Transaction, record: Mapping[str, Any]) -> dict[str, Any]:
        """A clean record, or :class:`ValidationError` listing every problem."""
        problems: list[str] = []
        out: dict[str, Any] = {
            "portfolio_name": _clean_text("portfolio_name", record.get("portfolio_name"),
                                          problems, True),
            "description": _clean_text("description", record.get("description"), problems,
                                       False),
            "owner": _clean_text("owner", record.get("owner"), problems, True),
            "desk": _clean_text("desk", record.get("desk"), problems, True),
        }
        currency = str(record.get("base_currency") or "").strip().upper()
        if not CURRENCY_RE.fullmatch(currency):
            problems.append(f"base currency {currency!r} is not a three-letter ISO code")
        else:
            active = store.currency_active(tx, currency)
            if active is None:
                problems.append(f"base currency {currency} is not in the currency reference data")
            elif not active:
                problems.append(f"base currency {currency} is not active in the reference data")
        out["base_currency"] = currency
        check = validate_values(load_fields(tx), record.get("udf_values") or {})
        problems.extend(check.problems)
        out["udf_values"] = check.values
        if problems:
            raise ValidationError(problems)
        return out

    # -- running a change --------------------------------------------------------------------
    def _change(self, session: Session, action: str, code: str, expected_version: int,
                resource: Resource, step: Step,
                request: dict[str, Any] | None = None) -> Portfolio:
        queued: list[str] = []
        op = Operation(actor_login(session), action, "portfolio", code,
                       request={"version": expected_version, **(request or {})})

        def body(tx: Transaction) -> Done[Portfolio]:
            now = self.clock()
            require(tx, session, resource, Access.WRITE, now)
            current = store.fetch(tx, code)
            if current is None:
                raise NotFound(f"no portfolio {code!r}")
            if current.version != expected_version:
                raise ConflictError(
                    f"portfolio {code} is at version {current.version}, not {expected_version}: "
                    "it changed since you read it; reload it and try again")
            new, reason = step(tx, current, now)
            new = replace(new, version=current.version + 1, updated_by=session.user_login,
                          updated_at=now)
            if store.update(tx, new, expected_version) != 1:
                raise ConflictError(f"portfolio {code} changed at the same time; reload it")
            if new.udf_values != current.udf_values:
                store.replace_udf_values(tx, code, new.udf_values, current.udf_values,
                                         session.user_login, now)
            store.append_history(tx, new, action, session.user_login, now, reason)
            queued.extend(self._notifications(tx, action, session, current, new, reason))
            return Done(new, before=current.as_dict(), after=new.as_dict(),
                        detail={"reason": reason} if reason else None)

        result = self.runner.run(op, body)
        self._send(queued)
        return result

    def _send(self, ids: list[str]) -> None:
        if self.notifier is None or not self.dispatch or not ids:
            return
        try:
            self.notifier.dispatch(self.warehouse, ids)
        except Exception:  # the step is committed; the outbox keeps the mail for a retry
            log.exception("notifications %s stay queued", ids)

    @staticmethod
    def _check_four_eyes(session: Session, p: Portfolio, verb: str) -> None:
        if session.user_login in p.change_makers:
            raise FourEyesViolation(
                f"four-eyes rule: {session.user_login} made this {p.change_label} of "
                f"{p.portfolio_code} and cannot {verb} it; another checker must")

    # -- operations --------------------------------------------------------------------------
    def create(self, session: Session, code: str, *, name: str, base_currency: str,
               owner: str, desk: str, description: str | None = None,
               udf_values: Mapping[str, Any] | None = None) -> Portfolio:
        """A new DRAFT portfolio (version 1)."""
        code = (code or "").strip().upper()
        request = {"portfolio_name": name, "base_currency": base_currency, "owner": owner,
                   "desk": desk, "description": description,
                   "udf_values": dict(udf_values or {})}
        op = Operation(actor_login(session), "CREATE", "portfolio", code, request=request)

        def body(tx: Transaction) -> Done[Portfolio]:
            now = self.clock()
            require(tx, session, Resource.PORTFOLIO, Access.WRITE, now)
            if not CODE_RE.fullmatch(code):
                raise ValidationError(
                    f"portfolio code {code!r}: 2 to 32 upper-case letters, digits, '_', '.' "
                    "or '-'")
            record = self._validated(tx, request)
            if store.fetch(tx, code) is not None:
                raise InvalidState(f"portfolio {code} already exists")
            p = Portfolio(
                portfolio_code=code, **{f: record[f] for f in FIELDS}, status=Status.DRAFT,
                version=1, udf_values=record["udf_values"],
                change_makers=(session.user_login,), created_by=session.user_login,
                created_at=now, updated_by=session.user_login, updated_at=now,
            )
            store.insert(tx, p)
            store.replace_udf_values(tx, code, p.udf_values, {}, session.user_login, now)
            store.append_history(tx, p, "CREATE", session.user_login, now)
            return Done(p, after=p.as_dict())

        return self.runner.run(op, body)

    def edit(self, session: Session, code: str, expected_version: int, *,
             name: str | None = None, description: str | None = None,
             base_currency: str | None = None, owner: str | None = None,
             desk: str | None = None,
             udf_values: Mapping[str, Any] | None = None) -> Portfolio:
        """Change fields (None keeps a field; an empty UDF value removes it).

        A DRAFT or REJECTED portfolio is changed in place (and becomes DRAFT); an
        ACTIVE one gets a pending change, submitted separately.
        """
        updates = {k: v for k, v in (("portfolio_name", name), ("description", description),
                                     ("base_currency", base_currency), ("owner", owner),
                                     ("desk", desk)) if v is not None}
        udf_updates = dict(udf_values or {})

        def step(tx: Transaction, p: Portfolio, now: datetime):
            if p.status in (Status.DRAFT, Status.REJECTED):
                base = p.record()
            elif p.status is Status.ACTIVE:
                if p.pending_status is Status.PENDING_APPROVAL:
                    raise InvalidState(
                        f"portfolio {code} has a change waiting for approval; it can be "
                        "edited again once a checker has decided")
                base = (p.pending_data if p.pending_action is PendingAction.EDIT
                        and p.pending_data is not None else p.record())
            else:
                raise InvalidState(f"portfolio {code} is {p.status} and cannot be edited")
            merged_udfs = {**base.get("udf_values", {}), **udf_updates}
            proposal = {**base, **updates,
                        "udf_values": {k: v for k, v in merged_udfs.items()
                                       if v is not None and str(v).strip() != ""}}
            record = self._validated(tx, proposal)
            if record == base or (p.status is Status.ACTIVE and record == p.record()):
                raise ValidationError("nothing to change: the values are the same")
            makers = tuple(dict.fromkeys((*p.change_makers, session.user_login)))
            if p.status is Status.ACTIVE:
                return replace(p, pending_action=PendingAction.EDIT,
                               pending_status=Status.DRAFT, pending_data=record,
                               change_makers=makers), None
            return replace(p, **{f: record[f] for f in FIELDS}, status=Status.DRAFT,
                           udf_values=record["udf_values"], change_makers=makers), None

        return self._change(session, "EDIT", code, expected_version, Resource.PORTFOLIO, step,
                            {**updates, "udf_values": udf_updates})

    def submit(self, session: Session, code: str, expected_version: int) -> Portfolio:
        """Send a draft (or a pending change) to the checkers."""

        def step(tx: Transaction, p: Portfolio, now: datetime):
            makers = tuple(dict.fromkeys((*p.change_makers, session.user_login)))
            if p.status in (Status.DRAFT, Status.REJECTED):
                self._validated(tx, p.record())
                return replace(p, status=Status.PENDING_APPROVAL, submitted_by=session.user_login,
                               submitted_at=now, change_makers=makers), None
            if p.status is Status.ACTIVE and p.pending_status in (Status.DRAFT, Status.REJECTED):
                if p.pending_action is PendingAction.EDIT:
                    self._validated(tx, p.pending_data or {})
                return replace(p, pending_status=Status.PENDING_APPROVAL,
                               submitted_by=session.user_login, submitted_at=now,
                               change_makers=makers), None
            raise InvalidState(f"portfolio {code} is {self._state(p)}: nothing to submit")

        return self._change(session, "SUBMIT", code, expected_version, Resource.PORTFOLIO, step)

    def deactivate(self, session: Session, code: str, expected_version: int,
                   reason: str | None = None) -> Portfolio:
        """Propose deactivating an ACTIVE portfolio; it goes to the checkers at once."""
        reason = (reason or "").strip() or None

        def step(tx: Transaction, p: Portfolio, now: datetime):
            _reason(reason, required=False)
            if p.status is not Status.ACTIVE:
                raise InvalidState(f"portfolio {code} is {p.status}; only ACTIVE portfolios "
                                   "can be deactivated")
            if p.pending_status is Status.PENDING_APPROVAL:
                raise InvalidState(f"portfolio {code} has a change waiting for approval")
            makers = tuple(dict.fromkeys((*p.change_makers, session.user_login)))
            return replace(p, pending_action=PendingAction.DEACTIVATE,
                           pending_status=Status.PENDING_APPROVAL,
                           pending_data={"reason": reason} if reason else None,
                           submitted_by=session.user_login, submitted_at=now,
                           change_makers=makers), reason

        return self._change(session, "DEACTIVATE", code, expected_version, Resource.PORTFOLIO,
                            step, {"reason": reason and reason[:text_rules.REASON.max_len]})

    def approve(self, session: Session, code: str, expected_version: int) -> Portfolio:
        """Approve the waiting change; the approver must not have made it."""

        def step(tx: Transaction, p: Portfolio, now: datetime):
            if not p.awaiting_approval:
                raise InvalidState(f"portfolio {code} is {self._state(p)}: nothing to approve")
            self._check_four_eyes(session, p, "approve")
            done = dict(approved_by=session.user_login, approved_at=now, change_makers=(),
                        rejection_reason=None, pending_action=None, pending_status=None,
                        pending_data=None)
            if p.status is Status.PENDING_APPROVAL:
                return replace(p, status=Status.ACTIVE, **done), None
            if p.pending_action is PendingAction.DEACTIVATE:
                return replace(p, status=Status.INACTIVE, **done), None
            record = p.pending_data or {}
            return replace(p, **{f: record.get(f) for f in FIELDS},
                           udf_values=dict(record.get("udf_values") or {}), **done), None

        return self._change(session, "APPROVE", code, expected_version, Resource.APPROVAL, step)

    def reject(self, session: Session, code: str, expected_version: int,
               reason: str) -> Portfolio:
        """Send the waiting change back to its maker; a reason is mandatory."""
        reason = (reason or "").strip()

        def step(tx: Transaction, p: Portfolio, now: datetime):
            _reason(reason, required=True)
            if not p.awaiting_approval:
                raise InvalidState(f"portfolio {code} is {self._state(p)}: nothing to reject")
            self._check_four_eyes(session, p, "reject")
            if p.status is Status.PENDING_APPROVAL:
                return replace(p, status=Status.REJECTED, rejection_reason=reason), reason
            return replace(p, pending_status=Status.REJECTED, rejection_reason=reason), reason

        return self._change(session, "REJECT", code, expected_version, Resource.APPROVAL, step,
                            {"reason": reason[:text_rules.REASON.max_len]})

    # -- reading -----------------------------------------------------------------------------
    def show(self, session: Session, code: str) -> Portfolio:
        code = (code or "").strip().upper()

        def body(tx: Transaction) -> Done[Portfolio]:
            require(tx, session, Resource.PORTFOLIO, Access.READ, self.clock())
            p = store.fetch(tx, code)
            if p is None:
                raise NotFound(f"no portfolio {code!r}")
            return Done(p, detail={"version": p.version})

        return self.runner.run(Operation(actor_login(session), "VIEW", "portfolio", code), body)

    def list(self, session: Session, flt: PortfolioFilter | None = None) -> list[Portfolio]:
        flt = flt or PortfolioFilter()
        filters = {k: str(v) for k, v in flt.__dict__.items() if v not in (None, False)}

        def body(tx: Transaction) -> Done[list[Portfolio]]:
            require(tx, session, Resource.PORTFOLIO, Access.READ, self.clock())
            rows = store.select(tx, flt)
            return Done(rows, detail={"filters": filters, "rows": len(rows)})

        return self.runner.run(Operation(actor_login(session), "LIST", "portfolio", None), body)

    def history(self, session: Session, code: str) -> list[dict[str, Any]]:
        code = (code or "").strip().upper()

        def body(tx: Transaction) -> Done[list[dict[str, Any]]]:
            require(tx, session, Resource.PORTFOLIO, Access.READ, self.clock())
            rows = store.history(tx, code)
            if not rows:
                raise NotFound(f"no portfolio {code!r}")
            return Done(rows, detail={"rows": len(rows)})

        return self.runner.run(Operation(actor_login(session), "HISTORY", "portfolio", code),
                               body)

    # -- notifications -----------------------------------------------------------------------
    @staticmethod
    def _state(p: Portfolio) -> str:
        if p.pending_status is not None:
            return f"{p.status} with a {p.pending_status} {p.pending_action} change"
        return str(p.status)

    def _notifications(self, tx: Transaction, action: str, session: Session,
                       before: Portfolio, after: Portfolio, reason: str | None) -> list[str]:
        if self.notifier is None:
            return []
        if action in ("SUBMIT", "DEACTIVATE"):
            subject = after
            kind = MailKind.APPROVAL_REQUEST
            to = checker_emails(tx, exclude=after.change_makers)
        elif action == "APPROVE":
            subject, kind = before, MailKind.APPROVAL_CONFIRMATION
            to = acl_store.emails_of(tx, before.change_makers)
        elif action == "REJECT":
            subject, kind = before, MailKind.REJECTION_NOTICE
            to = acl_store.emails_of(tx, before.change_makers)
        else:
            return []
        context = mail_context(subject, after, session, reason)
        nid = self.notifier.queue(tx, portfolio_mail(kind, to, context, after))
        return [nid] if nid else []


def checkers(tx: Transaction) -> list[dict[str, Any]]:
    """Enabled users who may approve (login, name, e-mail)."""
    return acl_store.users_with_access(tx, Resource.APPROVAL, Access.WRITE)


def checker_emails(tx: Transaction, exclude: tuple[str, ...] = (),
                   among: list[dict[str, Any]] | None = None) -> list[str]:
    """Addresses of enabled users who may approve, except the change's makers.

    ``among`` is :func:`checkers` read before, to ask once for many changes.
    """
    return [u["user_email"] for u in (checkers(tx) if among is None else among)
            if u["user_login"] not in exclude]


def portfolio_mail(kind: MailKind, recipients: list[str], context: dict[str, Any],
                   p: Portfolio, dedupe_key: str | None = None) -> Mail:
    """The ``kind`` mail about version ``p.version`` of portfolio ``p``."""
    return Mail.from_template(
        f"portfolio.{kind}", kind, context, recipients, dedupe_key=dedupe_key,
        about=About(portfolio_code=p.portfolio_code, portfolio_version=p.version),
        headers={"X-CisTrade-Event": str(kind), "X-CisTrade-Portfolio": p.portfolio_code})


def mail_context(change: Portfolio, after: Portfolio, actor: Session | None,
                 reason: str | None) -> dict[str, Any]:
    """Template variables describing ``change`` (the record holding the change)."""
    shown = {"portfolio_code": after.portfolio_code, **change.proposed(),
             "status": str(after.status)}
    diff = changes(None if change.is_new else change.record(), change.proposed())
    if change.pending_action is PendingAction.DEACTIVATE:
        diff = [{"field": "status", "old": "ACTIVE", "new": "INACTIVE"}]
    maker = change.submitted_by or (change.change_makers[-1] if change.change_makers else "")
    return {
        "portfolio": shown, "version": after.version, "changes": diff,
        "change_label": change.change_label, "reason": reason,
        "maker": maker, "maker_name": actor.user_name if actor and actor.user_login == maker
        else maker,
        "checker": actor.user_login if actor else "", "checker_name": actor.user_name if actor
        else "",
    }
