"""Reference data current and as of a business date, business days, FX rates, UDFs."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

D1, D2 = date(2026, 3, 2), date(2026, 3, 3)


def _day(warehouse, feed_name: str, day: date, rows: list[tuple]) -> None:
    import pyarrow as pa

    from cistrade_core.feeds import FEEDS
    from cistrade_core.gmp.store import GmpStore, LoadRecord, LoadStatus

    feed = FEEDS[feed_name]
    table = pa.table({n: [r[i] for r in rows] for i, n in enumerate(feed.column_names)})
    GmpStore(warehouse).load_day(feed, day, table, LoadRecord(feed_name, day, LoadStatus.LOADED,
                                                              "test", row_count=len(rows)))


@pytest.fixture(scope="module")
def api_data():
    def add(warehouse):
        ccy = [("USD", "US Dollar", "840", "2", "Y"), ("EUR", "Euro", "978", "2", "Y"),
               ("GBP", "Pound Sterling", "826", "2", "Y"), ("DEM", "Deutsche Mark", "276", "2",
                                                           "Y")]
        _day(warehouse, "currency", D1, ccy)
        _day(warehouse, "currency", D2, [*ccy[:3], ("DEM", "Deutsche Mark", "276", "2", "N")])
        cal = [("GB", date(2026, 4, 3), "Good Friday"), ("GB", date(2026, 4, 6), "Easter Monday"),
               ("USNY", date(2026, 4, 3), "Good Friday"), ("USNY", date(2026, 5, 25),
                                                           "Memorial Day")]
        _day(warehouse, "calendar", D1, cal[:2])
        _day(warehouse, "calendar", D2, cal)
        now = datetime.now().replace(microsecond=0)
        rows = []
        for pair, mid, age in (("EURUSD", "1.1000", 60), ("GBPUSD", "1.2500", 60),
                               ("EURUSD", "1.0900", 3600), ("USDJPY", "150.00", 86400)):
            m = Decimal(mid)
            rows.append({"pair": pair, "provider_ts": now - timedelta(seconds=age),
                         "source": "bloomberg", "base_ccy": pair[:3], "quote_ccy": pair[3:],
                         "bid": m - Decimal("0.0001"), "ask": m + Decimal("0.0001"), "mid": m,
                         "source_id": f"{pair}-{age}", "run_id": "test", "loaded_at": now})
        warehouse.insert("gmp_cis.cis_fx_rate", rows)
    return add


def test_reference_data_current_and_as_of_a_business_date(live_api):
    with live_api.client("viewer") as c:
        now = c.get("/api/v1/reference/currencies", params={"code": "DEM"}).json()
        assert now["business_date"] == "2026-03-03" and now["items"][0]["is_active"] == "N"
        then = c.get("/api/v1/reference/currencies", params={"code": "dem", "as_of": "2026-03-02"})
        assert then.json()["business_date"] == "2026-03-02"
        assert then.json()["items"][0]["is_active"] == "Y"
        later = c.get("/api/v1/reference/currencies", params={"as_of": "2026-12-31"}).json()
        assert later["business_date"] == "2026-03-03"     # the latest day loaded by then
        before = c.get("/api/v1/reference/currencies", params={"as_of": "2026-01-01"})
        assert before.status_code == 404
        assert before.json()["detail"] == ("no currency reference data was loaded on or before "
                                           "2026-01-01")
        dates = c.get("/api/v1/reference/calendars/dates").json()["business_dates"]
        assert dates == ["2026-03-03", "2026-03-02"]
        seen, cursor = [], None
        while True:
            page = c.get("/api/v1/reference/calendars",
                         params={"limit": 3, **({"cursor": cursor} if cursor else {})}).json()
            seen += [(r["calendar_code"], r["holiday_date"]) for r in page["items"]]
            cursor = page["next_cursor"]
            if not cursor:
                break
        assert seen == [("GB", "2026-04-03"), ("GB", "2026-04-06"), ("USNY", "2026-04-03"),
                        ("USNY", "2026-05-25")]
        assert c.get("/api/v1/reference/planets").status_code == 422
    assert live_api.client().get("/api/v1/reference/currencies").status_code == 401


def test_a_number_is_refused_where_an_iso_date_is_expected(live_api):
    # pydantic alone would read 0 or 0.5 as Unix time
    with live_api.client("viewer") as c:
        for path, params, field in (
                ("/api/v1/reference/currencies", {"as_of": "0"}, "query.as_of"),
                ("/api/v1/business-days/check", {"date": "20260406", "calendars": "GB"},
                 "query.date"),
                ("/api/v1/fx/convert", {"amount": "1", "from": "EUR", "to": "USD",
                                        "at": "0.5"}, "query.at")):
            r = c.get(path, params=params)
            assert r.status_code == 422, (path, r.text)
            [problem] = r.json()["errors"]
            assert problem["field"] == field and "ISO 8601" in problem["message"]


def test_business_days_over_one_or_more_calendars(live_api):
    with live_api.client("viewer") as c:
        r = c.get("/api/v1/business-days/check", params={"date": "2026-04-06",
                                                         "calendars": "GB"}).json()
        assert r == {"date": "2026-04-06", "calendars": ["GB"], "business_day": False,
                     "holidays": ["Easter Monday"]}
        r = c.get("/api/v1/business-days/next", params={"date": "2026-04-02",
                                                         "calendars": "gb,usny"}).json()
        assert r["result"] == "2026-04-07"   # Fri 3rd both, weekend, Mon 6th GB
        r = c.get("/api/v1/business-days/add", params={"date": "2026-04-07", "days": -2,
                                                        "calendars": "GB,USNY"}).json()
        assert r["result"] == "2026-04-01"
        r = c.get("/api/v1/business-days/check", params={
            "date": "2026-05-25", "calendars": "USNY", "as_of": "2026-03-02"})
        assert r.status_code == 422   # USNY was not in the calendar data of 2 March
        assert r.json()["errors"][0]["message"] == (
            "calendar USNY is not in the calendar reference data of 2026-03-02")
        r = c.get("/api/v1/business-days/add", params={"date": "2026-04-07", "calendars": "GB"})
        assert r.status_code == 422
        assert r.json()["errors"][0]["field"] == "query.days"


def test_fx_current_history_and_conversion_in_decimal_strings(live_api):
    with live_api.client("viewer") as c:
        rates = {r["pair"]: r for r in c.get("/api/v1/fx/rates").json()}
        assert Decimal(rates["EURUSD"]["mid"]) == Decimal("1.1")
        assert rates["EURUSD"]["stale"] is False
        assert rates["USDJPY"]["stale"] is True
        hist = c.get("/api/v1/fx/rates/EURUSD/history").json()
        assert [Decimal(h["mid"]) for h in hist] == [Decimal("1.1"), Decimal("1.09")]
        conv = c.get("/api/v1/fx/convert", params={"amount": "100.10", "from": "GBP",
                                                     "to": "EUR"}).json()
        assert conv["route"] == "triangulated through USD"
        assert Decimal(conv["result"]) == Decimal("100.10") * Decimal("1.25") / Decimal("1.1")
        inverse = c.get("/api/v1/fx/convert", params={"amount": "1.1", "from": "USD",
                                                        "to": "EUR"}).json()
        assert inverse["route"] == "inverse pair" and Decimal(inverse["result"]) == 1
        stale = c.get("/api/v1/fx/convert", params={"amount": "1", "from": "USD", "to": "JPY"})
        assert stale.status_code == 422 and "is stale" in stale.json()["detail"]
        missing = c.get("/api/v1/fx/convert", params={"amount": "1", "from": "CHF", "to": "EUR"})
        assert missing.status_code == 422 and "no FX rate from CHF to EUR" in \
            missing.json()["detail"]
        bad = c.get("/api/v1/fx/convert", params={"amount": "1e5", "from": "USD", "to": "EUR"})
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "query.amount"


def test_udf_definitions_and_values_validated_by_the_library(live_api):
    with live_api.client("maker1") as admin, live_api.client("viewer") as viewer:
        r = admin.post("/api/v1/udfs", json={"name": "risk_class", "label": "Risk class",
                                             "data_type": "ENUM",
                                             "allowed_values": ["LOW", "HIGH"]})
        assert r.status_code == 201, r.text
        assert viewer.post("/api/v1/udfs", json={"name": "x", "label": "x",
                                                 "data_type": "STRING"}).status_code == 403
        assert [u["name"] for u in viewer.get("/api/v1/udfs").json()] == ["risk_class"]
        bad = admin.post("/api/v1/portfolios", json={
            "portfolio_code": "UDF1", "portfolio_name": "n", "base_currency": "EUR",
            "owner": "o", "desk": "d", "udf_values": {"risk_class": "MEDIUM"}})
        assert bad.status_code == 422
        assert bad.json()["errors"][0]["message"].startswith("UDF 'risk_class' (enum):")
        ok = admin.post("/api/v1/portfolios", json={
            "portfolio_code": "UDF1", "portfolio_name": "n", "base_currency": "EUR",
            "owner": "o", "desk": "d", "udf_values": {"risk_class": "HIGH"}})
        assert ok.status_code == 201
        assert viewer.get("/api/v1/portfolios/UDF1/udf-values").json() == {"risk_class": "HIGH"}
        assert admin.delete("/api/v1/udfs/risk_class").status_code == 204
        assert viewer.get("/api/v1/udfs").json() == []


def _admin(live_api):
    from cistrade_core.acl import AclAdmin, SystemActor
    from cistrade_core.warehouse.duckdb_backend import DuckDBWarehouse

    return AclAdmin(DuckDBWarehouse(live_api.home / "warehouse.duckdb"), SystemActor("test"))


def test_reference_data_and_fx_need_their_acl_permissions_checked_at_each_request(live_api):
    routes = {"/api/v1/reference/currencies": "cis-gmp",
              "/api/v1/reference/calendars/dates": "cis-gmp",
              "/api/v1/business-days/next?date=2026-04-02&calendars=GB": "cis-gmp",
              "/api/v1/fx/rates": "cis-fx",
              "/api/v1/fx/convert?amount=10&from=EUR&to=USD": "cis-fx"}
    with live_api.client("nobody") as nobody:
        for path, resource in routes.items():
            r = nobody.get(path)
            assert r.status_code == 403, path
            assert f"needs READ on {resource}" in r.json()["detail"]
    admin = _admin(live_api)
    with live_api.client("viewer") as viewer:
        assert all(viewer.get(path).status_code == 200 for path in routes)
        assert viewer.get("/api/v1/whoami").json()["permissions"]["cis-gmp"] == "READ"
        admin.revoke("Staff", "cis-gmp")
        try:
            # the same session: the revocation bites on the next request, whoami shows it
            assert viewer.get("/api/v1/reference/currencies").status_code == 403
            assert "cis-gmp" not in viewer.get("/api/v1/whoami").json()["permissions"]
            assert viewer.get("/api/v1/fx/rates").status_code == 200
        finally:
            admin.grant("Staff", "cis-gmp", "READ")
        assert viewer.get("/api/v1/reference/currencies").status_code == 200
        assert viewer.get("/api/v1/whoami").json()["permissions"]["cis-gmp"] == "READ"


def test_a_grant_edited_by_hand_bites_once_a_change_row_is_added(live_api):
    """The README's procedure for editing the ACL tables directly: the API's workers
    keep a session's access while the ACL change log's count stands."""
    from cistrade_core.acl import store
    from cistrade_core.clock import utcnow
    from cistrade_core.warehouse.duckdb_backend import DuckDBWarehouse

    wh = DuckDBWarehouse(live_api.home / "warehouse.duckdb")
    grant = {"group_id": wh.query("SELECT group_id FROM gmp_cis.cis_acl_group "
                                  "WHERE group_name = 'Staff'")[0]["group_id"],
             "resource": "cis-fx"}
    with live_api.client("viewer") as viewer:
        assert viewer.get("/api/v1/fx/rates").status_code == 200
        with wh.transaction() as tx:
            saved = tx.query("SELECT * FROM gmp_cis.cis_acl_permission WHERE group_id = ? "
                             "AND resource = ?", [grant["group_id"], grant["resource"]])
            tx.delete("gmp_cis.cis_acl_permission", grant)
            store.record_change(tx, "PERMISSION_REVOKE", "dba", utcnow())
        try:
            r = viewer.get("/api/v1/fx/rates")
            assert r.status_code == 403 and "needs READ on cis-fx" in r.json()["detail"]
        finally:
            with wh.transaction() as tx:
                tx.insert("gmp_cis.cis_acl_permission", saved)
                store.record_change(tx, "PERMISSION_GRANT", "dba", utcnow())
        assert viewer.get("/api/v1/fx/rates").status_code == 200
    wh.close()
