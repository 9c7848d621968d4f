"""The core services on the unit of work of Impala (Kudu), claims included.

Impala (Kudu) and Hive have no multi-statement transactions: the row operations
of a unit of work are applied at its end, so a read inside it never sees its own
writes, and raw SQL writes are not portable. Here scenario tests of the core
modules run again on :class:`~tests.kudu_on_duckdb.KuduOnDuckDB` (the production
``RowUnitOfWork`` on a DuckDB file with Kudu's row semantics, refusing raw SQL
writes); ``core_wh`` below replaces the plain DuckDB warehouse for every fixture
built on it.
"""

import shutil
from datetime import UTC, datetime, timedelta

import pytest

from cistrade_core.warehouse import WriteConflict
from tests.acl.test_revocation import (  # noqa: F401 (collected again on KuduOnDuckDB)
    admin,
    pending,
    test_disabling_a_user_invalidates_their_sessions,
    test_removing_a_member_refuses_the_live_session_at_once,
    test_revoking_a_grant_refuses_every_member_at_once,
)
from tests.acl.test_sessions import (  # noqa: F401
    test_a_new_grant_applies_to_live_sessions_at_once,
    test_changing_a_password_ends_sessions,
    test_disabled_user_cannot_log_in_and_loses_open_sessions,
    test_group_hierarchy_cycles_are_refused,
    test_resume_by_token_and_logout,
)
from tests.acl.test_throttle import (  # noqa: F401
    sessions,
    test_back_off_doubles_up_to_the_maximum,
    test_lockout_after_n_failures_refuses_even_the_right_password,
)
from tests.audit.test_log import (  # noqa: F401
    test_every_operation_leaves_exactly_one_audit_row,
)
from tests.kudu_on_duckdb import KuduOnDuckDB, RawSqlWrite
from tests.notify.test_mail import (  # noqa: F401
    test_a_failed_send_keeps_the_step_and_is_retried,
    test_a_lost_claim_is_queued_again_and_sent_once,
    test_approval_and_rejection_mail_the_makers,
    test_no_checker_to_mail_raises_a_system_alert,
    test_queued_mail_survives_until_dispatched,
)
from tests.portfolio.test_race import (  # noqa: F401
    test_concurrent_approvals_exactly_one_succeeds,
)
from tests.portfolio.test_reminders import (  # noqa: F401
    test_overdue_changes_are_reminded_once_per_run_key,
)
from tests.portfolio.test_workflow import (  # noqa: F401
    test_an_edit_of_an_active_portfolio_waits_while_pending,
    test_code_rules_and_uniqueness,
    test_stale_version_is_a_conflict,
    test_whole_workflow,
)
from tests.udf.test_validation import (  # noqa: F401
    test_definitions_are_checked,
    test_portfolio_udf_values_are_validated_on_save,
    test_udf_changes_of_an_active_portfolio_go_through_approval,
    with_udfs,
)


@pytest.fixture
def core_wh(settings, core_seed):
    """The seeded warehouse of this test, written through the Kudu unit of work."""
    shutil.copy(core_seed.template, settings.warehouse_path)
    wh = KuduOnDuckDB(settings.warehouse_path)
    wh.ensure_store_schema()
    with wh.keep_open():
        yield wh


def test_the_wrapper_refuses_raw_sql_writes(core_wh):
    with pytest.raises(RawSqlWrite):
        core_wh.execute("DELETE FROM gmp_cis.cis_audit_log")
    with pytest.raises(RawSqlWrite), core_wh.transaction() as tx:
        tx.execute("DELETE FROM gmp_cis.cis_audit_log")
    with pytest.raises(RawSqlWrite), core_wh.transaction() as tx:
        tx.execute_update("DELETE FROM gmp_cis.cis_audit_log")


def test_reads_in_a_unit_of_work_do_not_see_its_writes(core_wh):
    row = {"portfolio_code": "X-1", "udf_name": "u", "udf_value": "v",
           "updated_at": core_wh.query("SELECT max(granted_at) AS t FROM "
                                       "gmp_cis.cis_acl_permission")[0]["t"],
           "updated_by": "test"}
    sql = "SELECT count(*) AS n FROM gmp_cis.cis_udf_value WHERE portfolio_code = 'X-1'"
    with core_wh.transaction() as tx:
        tx.upsert("cis_udf_value", [row])
        assert tx.query(sql)[0]["n"] == 0
    assert core_wh.query(sql)[0]["n"] == 1


def _udf_row(value: str = "v", **changes):
    return {"portfolio_code": "X-1", "udf_name": "u", "udf_value": value,
            "updated_at": datetime(2026, 3, 2, 9, 40, 1, 123456, tzinfo=UTC), "updated_by": "test",
            **changes}


def test_rows_are_written_as_given_and_replaced_by_key(core_wh):
    tricky = "it's a \\ back\nslash ${x} \"q\" '' end"
    core_wh.upsert("cis_udf_value", [_udf_row(tricky, updated_by="o'b")])
    assert core_wh.query("SELECT * FROM gmp_cis.cis_udf_value") == [
        _udf_row(tricky, updated_by="o'b")]
    core_wh.upsert("cis_udf_value", [_udf_row("second")])
    assert core_wh.update("cis_udf_value", {"udf_value": "third"}, {"udf_name": "u"}) == 1
    assert core_wh.query("SELECT udf_value FROM gmp_cis.cis_udf_value") == [
        {"udf_value": "third"}]
    with pytest.raises(WriteConflict, match="exists already"):
        core_wh.insert("cis_udf_value", [_udf_row()])
    with pytest.raises(AssertionError, match="two different rows"):
        core_wh.upsert("cis_udf_value", [_udf_row("a"), _udf_row("b")])


def test_a_unit_that_raises_writes_nothing_and_claims_nothing(core_wh):
    with pytest.raises(RuntimeError), core_wh.transaction() as tx:
        tx.upsert("cis_udf_value", [_udf_row()])
        raise RuntimeError("stop")
    assert core_wh.query("SELECT count(*) AS n FROM gmp_cis.cis_udf_value")[0]["n"] == 0
    assert core_wh.query("SELECT count(*) AS n FROM gmp_cis.cis_row_claim")[0]["n"] == 0


def test_of_two_units_that_saw_the_same_row_the_second_to_end_conflicts(core_wh):
    core_wh.upsert("cis_udf_value", [_udf_row()])
    with pytest.raises(WriteConflict, match="same time"), core_wh.transaction() as first:
        first.update("cis_udf_value", {"udf_value": "first"}, {"udf_name": "u"})
        with core_wh.transaction() as second:
            second.update("cis_udf_value", {"udf_value": "second"}, {"udf_name": "u"})
    assert core_wh.query("SELECT udf_value FROM gmp_cis.cis_udf_value") == [
        {"udf_value": "second"}]


def test_a_claim_older_than_its_time_to_live_is_taken_over(core_wh):
    core_wh.insert("cis_udf_value", [_udf_row("a")])
    core_wh.update("cis_udf_value", {"udf_value": "b"}, {"udf_name": "u"})
    core_wh.update("cis_udf_value", {"udf_value": "a"}, {"udf_name": "u"})
    with core_wh.connect() as con:  # as if those units ended two minutes ago
        con.execute("UPDATE gmp_cis.cis_row_claim "
                    "SET claimed_at = claimed_at - INTERVAL 2 MINUTE")
    assert core_wh.update("cis_udf_value", {"udf_value": "b"}, {"udf_name": "u"}) == 1
    claims = core_wh.query("SELECT claimed_at FROM gmp_cis.cis_row_claim")
    assert len(claims) == 3 and max(c["claimed_at"] for c in claims) > min(
        c["claimed_at"] for c in claims) + timedelta(minutes=1)


def test_a_row_back_in_an_earlier_state_can_be_changed_again(core_wh):
    """Claims are released when a unit ends."""
    core_wh.insert("cis_udf_value", [_udf_row("a")])
    for value in ("b", "a", "b"):  # the third change starts from the state of the first
        assert core_wh.update("cis_udf_value", {"udf_value": value}, {"udf_name": "u"}) == 1
    with core_wh.transaction() as tx:  # and a deleted key may be inserted again
        assert tx.delete("cis_udf_value", {"udf_name": "u"}) == 1
    core_wh.insert("cis_udf_value", [_udf_row("c")])
    assert core_wh.query("SELECT udf_value FROM gmp_cis.cis_udf_value") == [{"udf_value": "c"}]


def test_a_unit_that_lost_does_not_block_the_rows_it_did_not_write(core_wh):
    core_wh.insert("cis_udf_value", [_udf_row(udf_name="u1"), _udf_row(udf_name="u2")])
    with pytest.raises(WriteConflict), core_wh.transaction() as loser:
        loser.update("cis_udf_value", {"udf_value": "lost"}, {"udf_name": "u1"})
        loser.update("cis_udf_value", {"udf_value": "lost"}, {"udf_name": "u2"})
        with core_wh.transaction() as winner:
            winner.update("cis_udf_value", {"udf_value": "won"}, {"udf_name": "u1"})
    assert core_wh.update("cis_udf_value", {"udf_value": "later"}, {"udf_name": "u2"}) == 1


def test_the_acl_seed_builds_the_same_tables(tmp_path, core_seed):
    """Groups, grants, users and memberships made on KuduOnDuckDB match the DuckDB seed."""
    from cistrade_core.schema import ensure_core_schema
    from cistrade_core.warehouse.duckdb_backend import DuckDBWarehouse
    from tests.core_fixtures import seed_acl

    wh = KuduOnDuckDB(tmp_path / "warehouse.duckdb")
    ensure_core_schema(wh)
    seed_acl(wh, core_seed.passwords)
    seeded = DuckDBWarehouse(core_seed.template)
    for sql in (
        "SELECT group_id, group_name, description, parent_group_id FROM gmp_cis.cis_acl_group "
        "ORDER BY group_id",
        "SELECT group_id, resource, access_level FROM gmp_cis.cis_acl_permission "
        "ORDER BY group_id, resource",
        "SELECT user_id, user_login, user_email, enabled FROM gmp_cis.cis_acl_user "
        "ORDER BY user_id",
        "SELECT user_id, group_id, is_primary FROM gmp_cis.cis_acl_user_group "
        "ORDER BY user_id, group_id",
    ):
        assert wh.query(sql) == seeded.query(sql), sql


def test_reminders_batch_many_portfolios_in_one_unit_of_work(core, login, clock):
    from cistrade_core.portfolio.reminders import send_reminders

    maker = login("maker1")
    for i in range(3):
        p = core.portfolios.create(maker, f"REM-{i}", name=f"R {i}", base_currency="USD",
                                   owner="o", desk="d")
        core.portfolios.submit(maker, f"REM-{i}", p.version)
    clock.advance(hours=25)
    args = (core.warehouse, core.notifier, clock(), timedelta(hours=24), "run-1")
    first = send_reminders(*args, dispatch=False)
    assert first.overdue == ["REM-0", "REM-1", "REM-2"] and len(first.queued) == 3
    again = send_reminders(*args, dispatch=False)
    assert again.queued == [] and again.already_sent == ["REM-0", "REM-1", "REM-2"]


def _user(user_id: int, login: str) -> dict:
    at = datetime(2026, 3, 2, 9, 0)
    return {"user_id": user_id, "user_login": login, "user_name": login, "user_email":
            f"{login}@example.com", "password_hash": "x", "enabled": True, "created_at": at,
            "created_by": "t", "updated_at": at, "updated_by": "t"}


def _logins(wh) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for r in wh.query("SELECT user_login, user_id FROM gmp_cis.cis_acl_user "
                      "WHERE user_login LIKE 'dup%' ORDER BY user_id"):
        out.setdefault(r["user_login"], []).append(r["user_id"])
    return out


def test_a_unique_value_is_claimed_so_two_units_cannot_both_take_it(core_wh):
    """Kudu has no UNIQUE constraint: a login is claimed before the user is written."""
    with pytest.raises(WriteConflict, match='"user_login":"dup1"'), \
            core_wh.transaction() as first:
        first.claim_unique("cis_acl_user", "user_login", "dup1")
        first.insert("cis_acl_user", [_user(901, "dup1")])
        with core_wh.transaction() as second:
            second.claim_unique("cis_acl_user", "user_login", "dup1")
            second.insert("cis_acl_user", [_user(902, "dup1")])
    # the claim of a finished unit is released, but the value is taken by then
    with pytest.raises(WriteConflict), core_wh.transaction() as late:
        late.claim_unique("cis_acl_user", "user_login", "dup2")
        late.insert("cis_acl_user", [_user(903, "dup2")])
        with core_wh.transaction() as early:
            early.claim_unique("cis_acl_user", "user_login", "dup2")
            early.insert("cis_acl_user", [_user(904, "dup2")])
    assert _logins(core_wh) == {"dup1": [902], "dup2": [904]}  # the unit that ended first
