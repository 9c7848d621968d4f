"""Fixtures for the core library tests: a seeded warehouse, users, a clock.

The ACL seed (groups, users with scrypt hashes, UDFs, currencies) is built once
per test session in a template DuckDB file; each test gets its own copy in its
own CISTRADE_HOME, so tests never share state.
"""

from __future__ import annotations

import secrets
import shutil
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

START = datetime(2026, 3, 2, 9, 0, 0, tzinfo=UTC)

#: login -> (name, groups)
USERS = {
    "maker1": ("Maria Maker", ["Makers"]),
    "maker2": ("Mark Maker", ["Makers"]),
    "checker1": ("Chloe Checker", ["Checkers"]),
    "checker2": ("Carl Checker", ["Checkers"]),
    "hybrid": ("Hana Both", ["Makers", "Checkers"]),
    "auditor": ("Aude Auditor", ["Auditors"]),
    "viewer": ("Vic Viewer", ["Staff"]),
    "nobody": ("Nora Nogroup", []),
}


@dataclass(frozen=True)
class Seed:
    passwords: dict[str, str]
    template: Path


def email(login: str) -> str:
    return f"{login}@example.com"


def load_currencies(warehouse) -> None:
    import pyarrow as pa

    from cistrade_core.feeds import FEEDS
    from cistrade_core.gmp.store import GmpStore, LoadRecord, LoadStatus

    rows = [("USD", "US Dollar", "840", "2", "Y"), ("EUR", "Euro", "978", "2", "Y"),
            ("GBP", "Pound Sterling", "826", "2", "Y"), ("CHF", "Swiss Franc", "756", "2", "Y"),
            ("DEM", "Deutsche Mark", "276", "2", "N")]
    feed = FEEDS["currency"]
    table = pa.table({name: [r[i] for r in rows] for i, name in enumerate(feed.column_names)})
    day = date(2026, 3, 1)
    GmpStore(warehouse).load_day(feed, day, table, LoadRecord(
        "currency", day, LoadStatus.LOADED, "test fixture", row_count=len(rows)))


def seed_acl(warehouse, passwords: dict[str, str]) -> None:
    """Staff (parent: read portfolios, UDFs, reference data and FX rates) with Makers,
    Checkers and Auditors below it."""
    from cistrade_core.acl import AclAdmin, SystemActor

    admin = AclAdmin(warehouse, SystemActor("test-setup"), lambda: START)
    admin.create_group("Staff", "everyone")
    admin.grant("Staff", "cis-portfolio", "READ")
    admin.grant("Staff", "cis-udf", "READ")
    admin.grant("Staff", "cis-gmp", "READ")     # reference data
    admin.grant("Staff", "cis-fx", "READ")
    admin.create_group("Makers", "make changes", parent="Staff")
    admin.grant("Makers", "cis-portfolio", "WRITE")
    admin.create_group("Checkers", "approve changes", parent="Staff")
    admin.grant("Checkers", "cis-portfolio-approval", "WRITE")
    admin.create_group("Auditors", "read the audit log", parent="Staff")
    admin.grant("Auditors", "cis-audit", "READ")
    admin.create_group("UdfAdmins", "define UDFs", parent="Staff")
    admin.grant("UdfAdmins", "cis-udf", "READ_WRITE")
    for login, (name, groups) in USERS.items():
        admin.create_user(login, name, email(login), passwords[login], groups)
    admin.add_to_group("maker1", "UdfAdmins")


@pytest.fixture(scope="session")
def core_seed(tmp_path_factory) -> Seed:
    from cistrade_core.schema import ensure_core_schema
    from cistrade_core.warehouse.duckdb_backend import DuckDBWarehouse

    template = tmp_path_factory.mktemp("core-seed") / "warehouse.duckdb"
    wh = DuckDBWarehouse(template)
    ensure_core_schema(wh)
    load_currencies(wh)
    passwords = {login: secrets.token_urlsafe(12) for login in USERS}
    seed_acl(wh, passwords)
    wh.close()   # checkpointed and released: the tests copy the file
    return Seed(passwords, template)


@pytest.fixture
def clock():
    from cistrade_core.clock import FixedClock

    return FixedClock(START)


@pytest.fixture
def core_wh(settings, core_seed):
    """The seeded warehouse, copied into this test's CISTRADE_HOME.

    The file is kept open for the test (as a long-running job would), so that
    each transaction does not pay for opening it; no other process can use it.
    """
    from cistrade_core.warehouse import get_warehouse

    shutil.copy(core_seed.template, settings.warehouse_path)
    wh = get_warehouse(settings)
    with wh.keep_open():
        yield wh


@pytest.fixture
def core(settings, core_wh, clock):
    """Every core service on the seeded warehouse, with the fixed clock.

    Mail stays queued in the outbox table (no SMTP server is involved).
    """
    from cistrade_core.services import open_core

    return open_core(settings, core_wh, clock, dispatch=False)


@pytest.fixture
def mail_core(smtp_server, core_wh, clock):
    """Like ``core``, but each step's mail is sent to the real test SMTP server at once."""
    from cistrade_core.config import get_settings
    from cistrade_core.services import open_core

    return open_core(get_settings(), core_wh, clock, dispatch=True)


@pytest.fixture
def login(core_wh, clock, core_seed):
    """``login("maker1")`` gives a session of that seeded user."""
    from cistrade_core.acl import SessionManager

    sessions = SessionManager(core_wh, clock)

    def _login(user: str):
        return sessions.login(user, core_seed.passwords[user])

    return _login
