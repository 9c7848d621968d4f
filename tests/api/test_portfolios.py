"""The maker-checker walk over HTTP: ETag/If-Match, four eyes, history, pending, cursors."""

from __future__ import annotations

NEW = {"portfolio_code": "API-EQ1", "portfolio_name": "Equities One", "base_currency": "usd",
       "owner": "Maria Maker", "desk": "Equities"}


def test_maker_checker_walk_with_etags(live_api):
    maker, checker, hybrid = (live_api.client(u) for u in ("maker1", "checker1", "hybrid"))
    r = maker.post("/api/v1/portfolios", json=NEW)
    assert r.status_code == 201, r.text
    assert r.headers["etag"] == '"1"'
    assert r.headers["location"] == "/api/v1/portfolios/API-EQ1"
    assert r.json()["status"] == "DRAFT" and r.json()["base_currency"] == "USD"

    no_match = maker.post("/api/v1/portfolios/API-EQ1/submit")
    assert no_match.status_code == 428
    assert no_match.json()["errors"][0]["field"] == "header.If-Match"
    r = maker.patch("/api/v1/portfolios/API-EQ1", json={"desk": "Equities EU"},
                    headers={"If-Match": '"1"'})
    assert r.status_code == 200 and r.headers["etag"] == '"2"'
    stale = maker.post("/api/v1/portfolios/API-EQ1/submit", headers={"If-Match": '"1"'})
    assert stale.status_code == 412
    assert "is at version 2, not 1" in stale.json()["detail"]
    r = maker.post("/api/v1/portfolios/API-EQ1/submit", headers={"If-Match": '"2"'})
    assert r.json()["status"] == "PENDING_APPROVAL"

    pending = checker.get("/api/v1/approvals/pending").json()["items"]
    assert [p["portfolio_code"] for p in pending] == ["API-EQ1"]
    own = maker.post("/api/v1/portfolios/API-EQ1/approve", headers={"If-Match": '"3"'})
    assert own.status_code == 403   # a maker has no approval right at all
    r = checker.post("/api/v1/portfolios/API-EQ1/reject", headers={"If-Match": '"3"'},
                     json={"reason": "desk name is wrong"})
    assert r.json()["status"] == "REJECTED"
    assert r.json()["rejection_reason"] == "desk name is wrong"
    r = maker.patch("/api/v1/portfolios/API-EQ1", json={"desk": "Equities"},
                    headers={"If-Match": '"4"'})
    r = maker.post("/api/v1/portfolios/API-EQ1/submit", headers={"If-Match": '"5"'})
    r = checker.post("/api/v1/portfolios/API-EQ1/approve", headers={"If-Match": '"6"'})
    assert r.status_code == 200 and r.json()["status"] == "ACTIVE"
    assert r.json()["approved_by"] == "checker1"

    # the hybrid user (maker and checker) proposes a change and cannot approve it
    r = hybrid.patch("/api/v1/portfolios/API-EQ1", json={"portfolio_name": "Equities 1"},
                     headers={"If-Match": '"7"'})
    assert r.json()["pending_action"] == "EDIT"
    hybrid.post("/api/v1/portfolios/API-EQ1/submit", headers={"If-Match": '"8"'})
    four_eyes = hybrid.post("/api/v1/portfolios/API-EQ1/approve", headers={"If-Match": '"9"'})
    assert four_eyes.status_code == 403
    assert four_eyes.json()["detail"].startswith("four-eyes rule: hybrid made this change")
    r = checker.post("/api/v1/portfolios/API-EQ1/approve", headers={"If-Match": '"9"'})
    assert r.json()["portfolio_name"] == "Equities 1"

    r = maker.post("/api/v1/portfolios/API-EQ1/deactivate", headers={"If-Match": '"10"'},
                   json={"reason": "closing the book"})
    assert r.json()["pending_action"] == "DEACTIVATE"
    r = checker.post("/api/v1/portfolios/API-EQ1/approve", headers={"If-Match": '"11"'})
    assert r.json()["status"] == "INACTIVE"

    history = maker.get("/api/v1/portfolios/API-EQ1/history").json()
    assert [h["action"] for h in history] == [
        "CREATE", "EDIT", "SUBMIT", "REJECT", "EDIT", "SUBMIT", "APPROVE", "EDIT", "SUBMIT",
        "APPROVE", "DEACTIVATE", "APPROVE"]
    got = maker.get("/api/v1/portfolios/api-eq1")
    assert got.headers["etag"] == '"12"'
    assert maker.get("/api/v1/portfolios/NOPE").status_code == 404
    for c in (maker, checker, hybrid):
        c.close()


def test_list_filters_and_cursor_pagination(live_api):
    with live_api.client("maker2") as maker:
        for i in range(5):
            r = maker.post("/api/v1/portfolios", json={
                **NEW, "portfolio_code": f"PAGE-{i}", "desk": "Rates" if i % 2 else "FX"})
            assert r.status_code == 201, r.text
        seen, cursor = [], None
        while True:
            params = {"desk": "FX", "limit": 2, **({"cursor": cursor} if cursor else {})}
            page = maker.get("/api/v1/portfolios", params=params).json()
            seen += [p["portfolio_code"] for p in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert seen == ["PAGE-0", "PAGE-2", "PAGE-4"]
        drafts = maker.get("/api/v1/portfolios", params={"status": "DRAFT", "desk": "Rates"})
        assert [p["portfolio_code"] for p in drafts.json()["items"]] == ["PAGE-1", "PAGE-3"]
        bad = maker.get("/api/v1/portfolios", params={"cursor": "garbage"})
        assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "query.cursor"
        assert maker.get("/api/v1/portfolios", params={"status": "NOPE"}).status_code == 422


def test_audit_log_needs_cis_audit_and_reads_are_audited(live_api):
    with live_api.client("maker1") as maker:
        assert maker.get("/api/v1/audit").status_code == 403
    with live_api.client("auditor") as auditor:
        seen, cursor = [], None
        for _ in range(10):
            params = {"action": "CREATE", "limit": 2, **({"cursor": cursor} if cursor else {})}
            page = auditor.get("/api/v1/audit", params=params).json()
            seen += [e["event_id"] for e in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert len(seen) == len(set(seen)) >= 6
        reads = auditor.get("/api/v1/audit", params={"action": "AUDIT_QUERY",
                                                     "user": "auditor"}).json()["items"]
        assert len(reads) >= 3
        assert reads[0]["detail"]["filters"]["action"] == "CREATE"
        denied = auditor.get("/api/v1/audit", params={"user": "maker1", "outcome": "DENIED",
                                                      "entity_type": "api"}).json()["items"]
        assert denied[-1]["entity_id"] == "audit_query"
        number = auditor.get("/api/v1/audit", params={"until": "0.5"})
        assert number.status_code == 422   # not Unix time: the schema says ISO 8601
        assert number.json()["errors"][0]["field"] == "query.until"
