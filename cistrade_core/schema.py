"""The warehouse schema, created and migrated once: ``cistrade db upgrade``.

Every change to the tables is a :class:`Migration` with a version number;
``gmp_cis.cis_schema_version`` records the ones applied. ``cistrade db upgrade``
(run by ``make demo`` and ``make airflow`` through ``make db``, and by the test
fixtures) applies those missing, in order, so a warehouse of an earlier release
is brought up to date rather than broken. The GMP load (a new ``GmpLoad`` on
every sensor poke) runs no DDL at all; the other entry points (the FX store, the
services, the mail outbox, the reports, the ``cistrade gmp`` commands) call
:func:`ensure_core_schema`: one read of the version, and an upgrade only when
the warehouse is behind.

Each migration is idempotent (``IF NOT EXISTS``, ``IF EXISTS``), so two
processes upgrading the same new warehouse at once both end with it complete.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from cistrade_core.clock import utcnow
from cistrade_core.warehouse import Warehouse
from cistrade_core.warehouse.ddl import SCHEMA

log = logging.getLogger(__name__)

VERSION_TABLE = "cis_schema_version"
VERSIONS = f"{SCHEMA}.{VERSION_TABLE}"
VERSION_DDL = "schema_version.sql"
#: Alert tables of earlier releases: alerts are rows of the mail outbox now.
RETIRED_TABLES = ("gmp_alert_log", "cis_notification", "cis_fx_alert")


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    apply: Callable[[Warehouse], None]


def _gmp_tables(warehouse: Warehouse) -> None:
    from cistrade_core.gmp.store import GmpStore

    GmpStore(warehouse).ensure_schema()


def _store_tables(warehouse: Warehouse) -> None:
    warehouse.ensure_store_schema()


def _retire_alert_tables(warehouse: Warehouse) -> None:
    """Drop the alert tables of earlier releases (on Hive, a row log and its view)."""
    existing = warehouse.existing_tables()
    for name in RETIRED_TABLES:
        for physical in (name, f"{name}__log"):
            if physical not in existing:
                continue
            try:
                warehouse.execute(f"DROP TABLE IF EXISTS {SCHEMA}.{physical}")
            except Exception:  # a view (the row log's) is dropped as a view
                warehouse.execute(f"DROP VIEW IF EXISTS {SCHEMA}.{physical}")
            log.info("dropped %s.%s (alerts are rows of cis_mail_outbox)", SCHEMA, physical)


#: Columns added to the load history after its first release, in each engine's types.
RELEASE_COLUMNS = {"duckdb": ("VARCHAR", "TIMESTAMP"), "hive": ("STRING", "TIMESTAMP"),
                   "impala": ("STRING", "TIMESTAMP")}


def _release_columns(warehouse: Warehouse) -> None:
    """``released_by`` / ``released_at`` on ``gmp_load_history``, if it lacks them."""
    table = f"{SCHEMA}.gmp_load_history"
    try:
        warehouse.query(f"SELECT released_by, released_at FROM {table} WHERE 1 = 0")
        return  # created by this release's DDL, or added before
    except Exception:
        log.info("adding the release columns to %s", table)
    by, at = RELEASE_COLUMNS[warehouse.engine]
    if warehouse.engine == "duckdb":
        for column, kind in (("released_by", by), ("released_at", at)):
            warehouse.execute(f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {column} {kind}")
    else:
        warehouse.execute(f"ALTER TABLE {table} ADD COLUMNS "
                          f"(released_by {by}, released_at {at})")


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "GMP feed tables, their current-day views and the load history", _gmp_tables),
    Migration(2, "transactional tables: ACL, portfolios, UDFs, audit, mail outbox, FX, "
                 "reports", _store_tables),
    Migration(3, "retire gmp_alert_log, cis_notification and cis_fx_alert: alerts are rows "
                 "of cis_mail_outbox", _retire_alert_tables),
    Migration(4, "cis_acl_login_throttle: failed logins per login and client", _store_tables),
    Migration(5, "cis_api_client: the REST API's OAuth 2.0 clients", _store_tables),
    Migration(6, "gmp_load_history.released_by/released_at: who released a held feed in the "
                 "Airflow UI, and when", _release_columns),
    Migration(7, "cis_acl_change: one row per change to users, groups, grants or sessions",
              _store_tables),
)
LATEST = MIGRATIONS[-1].version


def schema_version(warehouse: Warehouse) -> int:
    """The newest migration applied to ``warehouse`` (0 for one never upgraded)."""
    try:
        rows = warehouse.query(f"SELECT max(version) AS v FROM {VERSIONS}")
    except Exception:
        if VERSION_TABLE in warehouse.existing_tables():
            raise
        return 0
    return int(rows[0]["v"] or 0) if rows else 0


def upgrade(warehouse: Warehouse) -> list[Migration]:
    """Apply the migrations ``warehouse`` lacks, in order; return them."""
    warehouse.ensure_tables((VERSION_DDL,), {VERSION_TABLE})
    current = schema_version(warehouse)
    applied = []
    for migration in MIGRATIONS:
        if migration.version <= current:
            continue
        log.info("schema %s: migration %d: %s", warehouse, migration.version,
                 migration.description)
        migration.apply(warehouse)
        warehouse.append(VERSIONS, {"version": migration.version,
                                    "description": migration.description,
                                    "applied_at": utcnow()})
        applied.append(migration)
    return applied


def ensure_core_schema(warehouse: Warehouse) -> None:
    """Upgrade ``warehouse`` if it is behind this release: one read when it is not."""
    if schema_version(warehouse) < LATEST:
        upgrade(warehouse)
