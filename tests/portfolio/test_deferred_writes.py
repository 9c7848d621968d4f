"""The core services on an engine that applies a unit of work's writes when it ends.

Impala (Kudu) and Hive have no multi-statement transactions: the row operations
of a unit of work are applied at its end, so a read inside it never sees its own
writes, and raw SQL writes are not portable. Here scenario tests of the core
modules run again on :class:`~tests.deferred_warehouse.DeferredWrites` (DuckDB
behaving that way, refusing raw SQL writes); ``core_wh`` below replaces the
plain DuckDB warehouse for every fixture built on it.
"""

import shutil
from datetime import timedelta

import pytest

from tests.acl.test_acl_sessions import (  # noqa: F401 (collected again on DeferredWrites)
    test_changing_a_password_ends_sessions,
    test_disabled_user_cannot_log_in_and_loses_open_sessions,
    test_grants_take_effect_at_the_next_login,
    test_group_hierarchy_cycles_are_refused,
    test_resume_by_token_and_logout,
)
from tests.audit.test_audit_log import (  # noqa: F401
    test_every_operation_leaves_exactly_one_audit_row,
)
from tests.deferred_warehouse import DeferredWrites, RawSqlWrite
from tests.notify.test_notify_mail import (  # noqa: F401
    test_a_failed_send_keeps_the_step_and_is_retried,
    test_a_lost_claim_is_queued_again_and_sent_once,
    test_approval_and_rejection_mail_the_makers,
    test_no_checker_to_mail_raises_a_system_alert,
    test_queued_mail_survives_until_dispatched,
)
from tests.portfolio.test_portfolio_race import (  # noqa: F401
    test_concurrent_approvals_exactly_one_succeeds,
)
from tests.portfolio.test_portfolio_reminders import (  # noqa: F401
    test_overdue_changes_are_reminded_once_per_run_key,
)
from tests.portfolio.test_portfolio_workflow import (  # noqa: F401
    test_an_edit_of_an_active_portfolio_waits_while_pending,
    test_code_rules_and_uniqueness,
    test_stale_version_is_a_conflict,
    test_whole_workflow,
)
from tests.udf.test_udf_validation import (  # noqa: F401
    test_definitions_are_checked,
    test_portfolio_udf_values_are_validated_on_save,
    test_udf_changes_of_an_active_portfolio_go_through_approval,
    with_udfs,
)


@pytest.fixture
def core_wh(settings, core_seed):
    """The seeded warehouse of this test, applying each unit of work's writes at its end."""
    from cistrade_core.warehouse.duckdb_backend import DuckDBWarehouse

    shutil.copy(core_seed.template, settings.warehouse_path)
    inner = DuckDBWarehouse(settings.warehouse_path)
    with inner.keep_open():
        yield DeferredWrites(inner)


def test_the_wrapper_refuses_raw_sql_writes(core_wh):
    with pytest.raises(RawSqlWrite):
        core_wh.execute("DELETE FROM gmp_cis.cis_audit_log")
    with pytest.raises(RawSqlWrite), core_wh.transaction() as tx:
        tx.execute("DELETE FROM gmp_cis.cis_audit_log")


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


def test_the_acl_seed_builds_the_same_tables(tmp_path, core_seed):
    """Groups, grants, users and memberships made on DeferredWrites match the DuckDB seed."""
    from cistrade_core.schema import ensure_core_schema
    from cistrade_core.warehouse.duckdb_backend import DuckDBWarehouse
    from tests.core_fixtures import seed_acl

    wh = DeferredWrites(DuckDBWarehouse(tmp_path / "warehouse.duckdb"))
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
