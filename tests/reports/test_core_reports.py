"""The weekly portfolio reports and the monthly audit extract, on real workflow data."""

from __future__ import annotations

import csv
from datetime import date

from cistrade_core.reports.definition import get_definition
from cistrade_core.reports.runner import build_report

AS_OF = date(2026, 3, 2)  # the fixtures' clock starts on 2026-03-02 09:00


def rows(run) -> list[dict]:
    path = next(p for p in run.files if p.suffix == ".csv")
    return list(csv.DictReader(path.open(encoding="utf-8")))


def workflow(core, login, clock):
    maker, checker = login("maker1"), login("checker1")
    svc = core.portfolios
    a = svc.create(maker, "EQ-LDN-01", name="Equities London", base_currency="GBP",
                   owner="maker1", desk="EQ Flow")
    a = svc.submit(maker, "EQ-LDN-01", a.version)
    clock.advance(minutes=30)
    svc.approve(checker, "EQ-LDN-01", a.version)
    b = svc.create(maker, "FX-NY-02", name="FX New York", base_currency="USD", owner="maker1",
                   desk="FX Options")
    clock.advance(minutes=10)
    svc.submit(maker, "FX-NY-02", b.version)
    clock.advance(hours=3)
    try:
        svc.approve(maker, "FX-NY-02", b.version + 1)  # four eyes: refused and audited
    except Exception:  # noqa: BLE001 - the refusal is what we want in the audit log
        pass


def test_pending_approvals_and_activity_reports(core, login, clock, settings, core_wh):
    workflow(core, login, clock)
    pending = build_report(get_definition("pending_approvals"), AS_OF, formats=["csv"],
                           settings=settings, warehouse=core_wh)
    [row] = rows(pending)
    assert (row["portfolio_code"], row["change"], row["submitted_by"]) == (
        "FX-NY-02", "CREATE", "maker1")
    assert int(row["waiting_hours"]) >= 10
    assert pending.data.parameters == {"period": "week", "from": "2026-02-24",
                                       "to": "2026-03-02"}
    assert pending.render(pending.definition.subject) == \
        "CisTrade: 1 portfolio change(s) pending approval"

    activity = build_report(get_definition("portfolio_activity"), AS_OF, formats=["csv", "xlsx"],
                            settings=settings, warehouse=core_wh)
    actions = [(r["portfolio_code"], r["action"]) for r in rows(activity)]
    assert ("EQ-LDN-01", "APPROVE") in actions
    assert actions[0][0] == "EQ-LDN-01"
    assert {code for code, _ in actions} == {"EQ-LDN-01", "FX-NY-02"}


def test_monthly_audit_extract_includes_refused_operations(core, login, clock, settings,
                                                            core_wh):
    workflow(core, login, clock)
    run = build_report(get_definition("audit_log_monthly"), AS_OF, settings=settings,
                       warehouse=core_wh)
    assert sorted(p.suffix for p in run.files) == [".csv", ".xlsx"]
    events = rows(run)
    assert run.data.parameters["from"] == "2026-03-01" and run.data.parameters["to"] == "2026-03-31"
    assert any(e["outcome"] != "SUCCESS" and e["entity_id"] == "FX-NY-02" for e in events)
    assert run.data.summary["events"] == len(events)
    assert run.data.summary["refused"] >= 1
