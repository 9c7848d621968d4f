"""Row operations on the transactional tables, the same on every engine.

DuckDB runs them as SQL in a transaction; Hive (the real HiveServer2 here) as a
unit of work that claims rows, then appends to row logs; Impala/Kudu as the same
unit of work with Kudu statements, checked by their text (no Kudu runs here).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from cistrade_core.clock import utcnow
from cistrade_core.warehouse import WriteConflict, get_warehouse, rowstore
from cistrade_core.warehouse.rowstore import KuduRowWriter, LogRowWriter, RowUnitOfWork
from cistrade_core.warehouse.sqltext import split_statements
from cistrade_core.warehouse.table_ddl import KUDU_DDL
from cistrade_core.warehouse.tables import Lt, table_spec, table_specs

T0 = datetime(2026, 11, 27, 9, 30, 0, 123456)
T0_UTC = T0.replace(tzinfo=UTC)  # as read back
SESSIONS = "gmp_cis.cis_acl_session"


def _session(sid: str, login: str = "maker", revoked: datetime | None = None) -> dict:
    return {"session_id": sid, "user_id": 7, "user_login": login,
            "session_data": '{"note": "it\'s | $HOME"}', "created_at": T0,
            "expires_at": T0 + timedelta(hours=8), "revoked_at": revoked}


@pytest.fixture(params=["duckdb", "hive"])
def store(request, settings, monkeypatch):
    """An empty warehouse with the transactional tables, on each engine."""
    if request.param == "hive":
        request.getfixturevalue("hive_env")
    else:
        monkeypatch.setenv("CISTRADE_WAREHOUSE", "duckdb")
    wh = get_warehouse(settings)
    wh.ensure_store_schema()
    yield wh
    wh.close()


def _sessions(wh) -> dict[str, dict]:
    return {r["session_id"]: r for r in wh.query(f"SELECT * FROM {SESSIONS}")}


def test_row_operations_give_the_same_rows_on_every_engine(store):
    store.insert(SESSIONS, [_session("s1"), _session("s2"), _session("s3")])
    with store.transaction() as tx:
        assert [r["session_id"] for r in
                tx.insert_new(SESSIONS, [_session("s3"), _session("s4")])] == ["s4"]
        assert tx.update(SESSIONS, {"revoked_at": T0}, {"session_id": "s1",
                                                         "revoked_at": None}) == 1
        assert tx.delete(SESSIONS, {"session_id": "s2"}) == 1
        tx.upsert(SESSIONS, [_session("s3", login="checker"), _session("s5")])
    rows = _sessions(store)
    assert sorted(rows) == ["s1", "s3", "s4", "s5"]
    assert rows["s1"]["revoked_at"] == T0_UTC
    assert rows["s3"]["user_login"] == "checker"
    assert rows["s4"]["session_data"] == '{"note": "it\'s | $HOME"}'
    assert rows["s4"]["expires_at"] == T0_UTC + timedelta(hours=8)
    # a guarded update that no longer matches changes nothing
    assert store.update(SESSIONS, {"revoked_at": T0}, {"session_id": "s1",
                                                        "revoked_at": None}) == 0
    assert store.update(SESSIONS, {"user_login": "x"},
                        {"created_at": Lt(T0 + timedelta(seconds=1))}) == 4
    assert {r["user_login"] for r in _sessions(store).values()} == {"x"}


def test_an_existing_key_is_a_conflict_and_a_failed_unit_writes_nothing(store):
    store.insert(SESSIONS, [_session("s1")])
    with pytest.raises(WriteConflict):
        store.insert(SESSIONS, [_session("s1", login="other")])
    with pytest.raises(RuntimeError, match="boom"), store.transaction() as tx:
        tx.insert(SESSIONS, [_session("s2")])
        tx.update(SESSIONS, {"user_login": "changed"}, {"session_id": "s1"})
        raise RuntimeError("boom")
    assert [(r["session_id"], r["user_login"]) for r in _sessions(store).values()] == [
        ("s1", "maker")]


def test_two_units_changing_a_row_from_the_same_state_one_wins(hive_connection):
    """Claims: both units read the same state; the one that ends second is refused and
    writes nothing. (DuckDB gets this from its transactions: tests/portfolio.)"""
    wh = hive_connection
    wh.ensure_store_schema()
    wh.insert(SESSIONS, [_session("s1")])
    first, second = wh.transaction(), wh.transaction()
    tx1, tx2 = first.__enter__(), second.__enter__()
    guard = {"session_id": "s1", "user_login": "maker"}
    assert tx1.update(SESSIONS, {"user_login": "one"}, guard) == 1
    assert tx2.update(SESSIONS, {"user_login": "two"}, guard) == 1
    tx2.insert(SESSIONS, [_session("s9")])
    first.__exit__(None, None, None)
    with pytest.raises(WriteConflict, match=r'cis_acl_session row \["s1"\]'):
        second.__exit__(None, None, None)
    assert {k: r["user_login"] for k, r in _sessions(wh).items()} == {"s1": "one"}
    # the state the loser saw is gone; from the new state a change goes through
    assert wh.update(SESSIONS, {"user_login": "two"}, guard) == 0
    assert wh.update(SESSIONS, {"user_login": "two"}, {"session_id": "s1"}) == 1


def test_a_row_may_come_back_to_a_state_and_change_again(hive_connection):
    """Claims are released when a unit ends: a→b→a→b and insert, delete, insert again."""
    wh = hive_connection
    wh.ensure_store_schema()
    wh.insert(SESSIONS, [_session("s1")])
    for login in ("a", "maker", "a", "maker"):
        assert wh.update(SESSIONS, {"user_login": login}, {"session_id": "s1"}) == 1
    with wh.transaction() as tx:
        assert tx.delete(SESSIONS, {"session_id": "s1"}) == 1
    wh.insert(SESSIONS, [_session("s1")])
    assert _sessions(wh)["s1"]["user_login"] == "maker"


def test_the_claim_of_a_unit_that_died_blocks_until_it_lapses(hive_connection, monkeypatch):
    """A unit that claimed a row and never finished holds it for CLAIM_TTL, then not."""
    wh = hive_connection
    wh.ensure_store_schema()
    wh.insert(SESSIONS, [_session("s1")])
    spec = table_spec(SESSIONS)
    [row] = wh.query(f"SELECT * FROM {SESSIONS}")
    cid = rowstore.claim_id(spec, '["s1"]', rowstore._state(spec, row))
    wh.insert("cis_row_claim", [{"claim_id": cid, "table_name": spec.name, "row_key": '["s1"]',
                                 "claimed_by": "a-unit-that-died",
                                 "claimed_at": utcnow()}])
    with pytest.raises(WriteConflict):
        wh.update(SESSIONS, {"user_login": "b"}, {"session_id": "s1"})
    monkeypatch.setattr(rowstore, "CLAIM_TTL", timedelta(0))
    assert wh.update(SESSIONS, {"user_login": "b"}, {"session_id": "s1"}) == 1
    assert _sessions(wh)["s1"]["user_login"] == "b"


def test_append_only_tables_refuse_changes(hive_connection):
    wh = hive_connection
    with wh.transaction() as tx, pytest.raises(ValueError, match="append-only: no update"):
        tx.update("cis_audit_log", {"outcome": "SUCCESS"}, {"event_id": "x"})


# -- Impala/Kudu: the statements, by their text ------------------------------------------------

def test_kudu_writer_statements():
    writer = KuduRowWriter(batch_size=2)
    spec = table_spec(SESSIONS)
    rows = [_session(f"s{i}") for i in range(3)]
    upserts = writer.write("upsert", spec, rows)
    assert len(upserts) == 2
    assert upserts[0].startswith("UPSERT INTO gmp_cis.cis_acl_session (session_id, user_id, ")
    assert "CAST('2026-11-27 09:30:00.123456' AS TIMESTAMP)" in upserts[0]
    assert r"""'{\"note\": \"it\'s | $HOME\"}'""" in upserts[0]
    assert writer.write("insert", spec, rows[:1])[0].startswith("INSERT INTO gmp_cis.cis_acl_")
    deletes = writer.write("delete", table_spec("cis_acl_user_group"),
                           [{"user_id": 1, "group_id": 2}, {"user_id": 3, "group_id": 4}])
    assert deletes == ["DELETE FROM gmp_cis.cis_acl_user_group WHERE (user_id = 1 AND "
                       "group_id = 2) OR (user_id = 3 AND group_id = 4)"]
    claim = {"claim_id": "c", "table_name": "t", "row_key": "[1]", "claimed_by": "u",
             "claimed_at": T0}
    assert writer.take_over([claim])[0].startswith("UPSERT INTO gmp_cis.cis_row_claim ")
    assert writer.schema_statements() == split_statements(KUDU_DDL.read_text())


def test_kudu_unit_of_work_claims_before_it_writes():
    """The Impala unit of work against a statement log: claims first, then Kudu writes,
    then the claims released."""
    sent: list[str] = []
    state = {"s1": _session("s1")}

    def run(sql, params):
        sent.append(sql)
        if "cis_row_claim" in sql:  # every claim is ours (no other writer)
            return [{"claim_id": p, "claimed_by": unit.unit_id, "claimed_at": datetime.now()}
                    for p in params]
        return [state["s1"]] if params and params[0] == "s1" else []

    unit = RowUnitOfWork(run, sent.append, KuduRowWriter())
    assert unit.update(SESSIONS, {"revoked_at": T0}, {"session_id": "s1", "revoked_at": None}) == 1
    unit.insert(SESSIONS, [_session("s2")])
    unit.insert("cis_audit_log", [{
        "event_id": "e1", "event_time": T0, "user_login": "maker", "action": "LOGOUT",
        "entity_type": "user", "entity_id": None, "outcome": "SUCCESS", "before_json": None,
        "after_json": None, "detail": None}])
    assert unit.pending == 3
    sent.clear()
    unit.commit()
    verbs = [" ".join(s.replace(",", "").split()[:3]) for s in sent]
    assert verbs == ["INSERT INTO gmp_cis.cis_row_claim", "SELECT claim_id claimed_by",
                     "UPSERT INTO gmp_cis.cis_acl_session", "INSERT INTO gmp_cis.cis_acl_session",
                     "INSERT INTO gmp_cis.cis_audit_log", "UPSERT INTO gmp_cis.cis_row_claim"]
    assert sent[0].count("), (") == 1  # two claims (the update, the new key); none for the log
    assert "CAST('1970-01-01 00:00:00' AS TIMESTAMP)" in sent[-1]  # released at the end


def test_every_changeable_table_has_a_row_log_and_view_on_hive():
    statements = LogRowWriter().schema_statements()
    for spec in table_specs().values():
        if spec.append_only:
            assert any(s.startswith(f"CREATE TABLE IF NOT EXISTS {spec.qualified} (")
                       for s in statements)
        else:
            assert any(s.startswith(f"CREATE TABLE IF NOT EXISTS {spec.qualified}__log (")
                       for s in statements)
            assert any(s.startswith(f"CREATE VIEW IF NOT EXISTS {spec.qualified} AS")
                       for s in statements)


def test_reserved_words_are_quoted_for_impala_and_hive():
    """``role`` is reserved in Impala: backticked in the DDL and in every statement."""
    from cistrade_core.warehouse.sqltext import IMPALA_RESERVED, column_name

    ddl = KUDU_DDL.read_text()
    for spec in table_specs().values():
        for column in spec.columns:
            if column.lower() in IMPALA_RESERVED:
                assert f"`{column}`" in ddl, column
    health = table_spec("cis_fx_feed_health")
    row = dict.fromkeys(health.columns, 1)
    assert "`role`" in KuduRowWriter().write("insert", health, [row])[0]
    assert "`role`" in LogRowWriter().write("insert", health, [row])[0]
    assert column_name("role") == "`role`" and column_name("pair") == "pair"


def test_values_written_to_hive_stay_out_of_the_log(hive_connection, caplog):
    """PyHive would log each statement with its values at INFO; it is kept at WARNING."""
    import logging

    wh = hive_connection
    wh.ensure_store_schema()
    with caplog.at_level(logging.INFO):
        wh.insert(SESSIONS, [{**_session("s1"), "session_data": "scrypt$marker-7f3a"}])
    assert wh.query(f"SELECT session_data FROM {SESSIONS}")[0]["session_data"] == (
        "scrypt$marker-7f3a")
    assert "marker-7f3a" not in caplog.text
