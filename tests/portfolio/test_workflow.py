"""The maker-checker workflow end to end, four eyes, versions and history."""

import pytest

from cistrade_core.audit import log as audit_log
from cistrade_core.errors import (
    ConflictError,
    FourEyesViolation,
    InvalidState,
    NotFound,
    ValidationError,
)
from cistrade_core.portfolio import PendingAction, PortfolioFilter, Status


def _new(core, session, code="EQ-LDN-01", **kw):
    args = dict(name="Equities London", base_currency="GBP", owner="maker1", desk="EQ Flow",
                description="Cash equities, London book")
    args.update(kw)
    return core.portfolios.create(session, code, **args)


def _active(core, maker, checker, code="EQ-LDN-01"):
    p = _new(core, maker, code)
    p = core.portfolios.submit(maker, code, p.version)
    return core.portfolios.approve(checker, code, p.version)


def test_whole_workflow(core, login, clock):
    maker, checker = login("maker1"), login("checker1")
    svc = core.portfolios

    p = _new(core, maker)
    assert (p.status, p.version, p.change_makers) == (Status.DRAFT, 1, ("maker1",))
    p = svc.edit(maker, p.portfolio_code, 1, desk="EQ Derivatives")
    assert (p.status, p.version, p.desk) == (Status.DRAFT, 2, "EQ Derivatives")
    clock.advance(minutes=5)
    p = svc.submit(maker, p.portfolio_code, 2)
    assert (p.status, p.submitted_by, p.submitted_at) == (Status.PENDING_APPROVAL, "maker1",
                                                          clock())
    p = svc.reject(checker, p.portfolio_code, 3, "wrong desk")
    assert (p.status, p.rejection_reason) == (Status.REJECTED, "wrong desk")
    p = svc.edit(maker, p.portfolio_code, 4, desk="EQ Flow")
    assert p.status is Status.DRAFT
    p = svc.submit(maker, p.portfolio_code, 5)
    p = svc.approve(checker, p.portfolio_code, 6)
    assert (p.status, p.version, p.approved_by, p.change_makers) == (
        Status.ACTIVE, 7, "checker1", ())
    assert p.rejection_reason is None

    # a change to an ACTIVE portfolio waits for approval; the approved record stays current
    p = svc.edit(maker, p.portfolio_code, 7, name="Equities London Flow", base_currency="EUR")
    assert (p.status, p.pending_action, p.pending_status) == (
        Status.ACTIVE, PendingAction.EDIT, Status.DRAFT)
    current = svc.show(checker, "EQ-LDN-01")
    assert (current.portfolio_name, current.base_currency) == ("Equities London", "GBP")
    assert current.pending_data["portfolio_name"] == "Equities London Flow"
    p = svc.submit(maker, p.portfolio_code, 8)
    assert p.pending_status is Status.PENDING_APPROVAL and p.awaiting_approval
    p = svc.reject(checker, p.portfolio_code, 9, "EUR book is elsewhere")
    assert (p.status, p.pending_status, p.base_currency) == (
        Status.ACTIVE, Status.REJECTED, "GBP")
    p = svc.edit(maker, p.portfolio_code, 10, base_currency="GBP")  # keep the new name only
    assert p.pending_data["base_currency"] == "GBP"
    assert p.pending_data["portfolio_name"] == "Equities London Flow"
    p = svc.submit(maker, p.portfolio_code, 11)
    p = svc.approve(checker, p.portfolio_code, 12)
    assert (p.portfolio_name, p.status, p.pending_action, p.pending_data) == (
        "Equities London Flow", Status.ACTIVE, None, None)

    # deactivation also needs approval
    p = svc.deactivate(maker, p.portfolio_code, 13, reason="book closed")
    assert (p.status, p.pending_action, p.pending_status) == (
        Status.ACTIVE, PendingAction.DEACTIVATE, Status.PENDING_APPROVAL)
    p = svc.approve(checker, p.portfolio_code, 14)
    assert (p.status, p.version) == (Status.INACTIVE, 15)
    with pytest.raises(InvalidState):
        svc.edit(maker, p.portfolio_code, 15, name="again")

    history = svc.history(maker, "EQ-LDN-01")
    assert [h["version"] for h in history] == list(range(1, 16))
    assert [h["action"] for h in history] == [
        "CREATE", "EDIT", "SUBMIT", "REJECT", "EDIT", "SUBMIT", "APPROVE", "EDIT", "SUBMIT",
        "REJECT", "EDIT", "SUBMIT", "APPROVE", "DEACTIVATE", "APPROVE"]
    assert history[3]["reason"] == "wrong desk"
    assert history[7]["portfolio_name"] == "Equities London"     # approved record kept
    assert history[7]["pending_data"]["portfolio_name"] == "Equities London Flow"
    assert history[-1]["status"] == "INACTIVE"
    assert [p.portfolio_code for p in svc.list(checker, PortfolioFilter(status="INACTIVE"))] \
        == ["EQ-LDN-01"]


def test_maker_cannot_approve_or_reject_own_change(core, login):
    hybrid = login("hybrid")  # both maker and checker
    p = _new(core, hybrid, "FX-01")
    p = core.portfolios.submit(hybrid, "FX-01", p.version)
    with pytest.raises(FourEyesViolation, match="four-eyes"):
        core.portfolios.approve(hybrid, "FX-01", p.version)
    with pytest.raises(FourEyesViolation):
        core.portfolios.reject(hybrid, "FX-01", p.version, "changed my mind")
    assert audit_log.count(core.warehouse, action="APPROVE", outcome="DENIED",
                           user_login="hybrid") == 1
    assert core.portfolios.show(hybrid, "FX-01").status is Status.PENDING_APPROVAL
    # another checker may
    assert core.portfolios.approve(login("checker1"), "FX-01", p.version).status \
        is Status.ACTIVE


def test_anyone_who_edited_the_change_is_a_maker_of_it(core, login):
    maker, hybrid = login("maker1"), login("hybrid")
    p = _new(core, maker, "FX-02")
    p = core.portfolios.edit(hybrid, "FX-02", p.version, desk="FX Options")
    p = core.portfolios.submit(maker, "FX-02", p.version)
    assert p.change_makers == ("maker1", "hybrid")
    with pytest.raises(FourEyesViolation):
        core.portfolios.approve(hybrid, "FX-02", p.version)
    p = core.portfolios.approve(login("checker2"), "FX-02", p.version)
    # after approval a new change starts with new makers: hybrid may now approve maker1's
    p = core.portfolios.edit(maker, "FX-02", p.version, desk="FX Spot")
    p = core.portfolios.submit(maker, "FX-02", p.version)
    assert core.portfolios.approve(hybrid, "FX-02", p.version).desk == "FX Spot"


def test_stale_version_is_a_conflict(core, login):
    maker, checker = login("maker1"), login("checker1")
    p = _new(core, maker)
    core.portfolios.edit(maker, p.portfolio_code, 1, name="Renamed")
    with pytest.raises(ConflictError, match="version 2, not 1"):
        core.portfolios.submit(maker, p.portfolio_code, 1)
    p = core.portfolios.submit(maker, p.portfolio_code, 2)
    with pytest.raises(ConflictError):
        core.portfolios.approve(checker, p.portfolio_code, 2)
    assert audit_log.count(core.warehouse, outcome="CONFLICT") == 2
    assert core.portfolios.show(checker, p.portfolio_code).version == 3


@pytest.mark.parametrize("op", ["approve", "reject", "submit_active", "edit_pending",
                                "deactivate_draft", "edit_inactive"])
def test_operations_in_the_wrong_state_are_refused(core, login, op):
    maker, checker = login("maker1"), login("checker1")
    svc = core.portfolios
    p = _new(core, maker)
    with pytest.raises(InvalidState):
        if op == "approve":
            svc.approve(checker, p.portfolio_code, p.version)
        elif op == "reject":
            svc.reject(checker, p.portfolio_code, p.version, "no")
        elif op == "submit_active":
            p = svc.approve(checker, p.portfolio_code, svc.submit(maker, "EQ-LDN-01", 1).version)
            svc.submit(maker, p.portfolio_code, p.version)
        elif op == "edit_pending":
            p = svc.submit(maker, p.portfolio_code, p.version)
            svc.edit(maker, p.portfolio_code, p.version, name="x y")
        elif op == "deactivate_draft":
            svc.deactivate(maker, p.portfolio_code, p.version)
        elif op == "edit_inactive":
            p = svc.approve(checker, p.portfolio_code, svc.submit(maker, "EQ-LDN-01", 1).version)
            p = svc.deactivate(maker, p.portfolio_code, p.version)
            p = svc.approve(checker, p.portfolio_code, p.version)
            svc.edit(maker, p.portfolio_code, p.version, name="back")
    assert audit_log.count(core.warehouse, outcome="INVALID") == 1


def test_reject_needs_a_reason(core, login):
    maker, checker = login("maker1"), login("checker1")
    p = core.portfolios.submit(maker, "EQ-LDN-01", _new(core, maker).version)
    with pytest.raises(ValidationError, match="reason"):
        core.portfolios.reject(checker, "EQ-LDN-01", p.version, "   ")
    assert core.portfolios.show(checker, "EQ-LDN-01").status is Status.PENDING_APPROVAL


def test_an_edit_of_an_active_portfolio_waits_while_pending(core, login):
    maker, checker = login("maker1"), login("checker1")
    p = _active(core, maker, checker)
    p = core.portfolios.submit(maker, "EQ-LDN-01",
                               core.portfolios.edit(maker, "EQ-LDN-01", p.version,
                                                    owner="maker2").version)
    with pytest.raises(InvalidState, match="waiting for approval"):
        core.portfolios.deactivate(maker, "EQ-LDN-01", p.version)
    with pytest.raises(ValidationError, match="nothing to change"):
        core.portfolios.edit(maker, "EQ-LDN-01",
                             core.portfolios.reject(checker, "EQ-LDN-01", p.version,
                                                    "keep owner").version, owner="maker2")


@pytest.mark.parametrize("kwargs, message", [
    ({"base_currency": "XYZ"}, "not in the currency reference data"),
    ({"base_currency": "DEM"}, "not active"),
    ({"base_currency": "pounds"}, "three-letter"),
    ({"name": "  "}, "portfolio_name must not be empty"),
    ({"desk": ""}, "desk must not be empty"),
    ({"name": "x" * 201}, "at most 200"),
    ({"name": "two\nlines"},
     r"portfolio_name must not contain the control character U\+000A \(position 4\)"),
    ({"name": "nul\x00byte"}, r"U\+0000"),
    ({"name": "\x1b[2J\x1b[31mred"}, r"portfolio_name .* U\+001B"),
    ({"desk": "EQ \u202eFlow"}, r"desk .* U\+202E \(RIGHT-TO-LEFT OVERRIDE\)"),
    ({"owner": "x" * 101}, "owner is 101 characters long: at most 100 allowed"),
    ({"description": "d" * 120_000}, "description is 120,000 characters long"),
    ({"description": "bidi \u2066isolate"}, r"U\+2066"),
])
def test_invalid_portfolios_are_refused_with_clear_errors(core, login, kwargs, message):
    with pytest.raises(ValidationError, match=message):
        _new(core, login("maker1"), **kwargs)
    assert core.warehouse.query("SELECT count(*) AS n FROM gmp_cis.cis_portfolio")[0]["n"] == 0


def test_code_rules_and_uniqueness(core, login):
    maker = login("maker1")
    with pytest.raises(ValidationError, match="portfolio code"):
        _new(core, maker, "bad code!")
    assert _new(core, maker, "eq-ldn-01").portfolio_code == "EQ-LDN-01"
    with pytest.raises(InvalidState, match="already exists"):
        _new(core, maker, "EQ-LDN-01")
    with pytest.raises(NotFound):
        core.portfolios.show(maker, "NOPE")


def test_all_problems_are_reported_together(core, login):
    with pytest.raises(ValidationError) as err:
        _new(core, login("maker1"), name="", desk="", base_currency="XYZ")
    assert len(err.value.problems) == 3


def test_list_filters(core, login):
    maker, checker = login("maker1"), login("checker1")
    _active(core, maker, checker, "A-01")
    p = _new(core, maker, "B-01", desk="Rates")
    core.portfolios.submit(maker, "B-01", p.version)
    _new(core, maker, "C-01")
    codes = lambda **kw: [p.portfolio_code for p in  # noqa: E731
                          core.portfolios.list(checker, PortfolioFilter(**kw))]
    assert codes() == ["A-01", "B-01", "C-01"]
    assert codes(status="DRAFT") == ["C-01"]
    assert codes(desk="Rates") == ["B-01"]
    assert codes(awaiting_approval=True) == ["B-01"]
    assert codes(owner="nobody") == []
