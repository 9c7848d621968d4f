"""Every transactional table (core, FX, reports), declared once.

Each :class:`~cistrade_core.warehouse.tables.TableSpec` names its columns with
their Impala/Kudu types, its primary key, its Kudu partitioning and what DuckDB
enforces besides (``UNIQUE``, ``CHECK ... IN``). The DDL of every engine is
rendered from these (:mod:`cistrade_core.warehouse.table_ddl`): DuckDB
(``sql/duckdb/{core,fx,report}_tables.sql``), Kudu through Impala
(``sql/impala/kudu_tables.sql``) and the Hive row logs
(``sql/hive/row_log_tables.sql``); ``cistrade sql render --check`` and the tests
fail when a checked-in file drifts. Columns are listed in reading order; Kudu
gets the key columns first.
"""

from __future__ import annotations

from cistrade_core.warehouse.ddl import SCHEMA
from cistrade_core.warehouse.tables import Col, TableSpec, View

TABLES: tuple[TableSpec, ...] = (
    TableSpec(
        "cis_acl_group",
        "core_tables.sql",
        (
            Col("group_id", "BIGINT", nullable=False),
            Col("group_name", "STRING", nullable=False, unique=True),
            Col("description", "STRING"),
            Col(
                "parent_group_id", "BIGINT", comment="permissions of ancestor groups are inherited"
            ),
            Col("created_at", "TIMESTAMP", nullable=False),
            Col("created_by", "STRING", nullable=False),
        ),
        key=("group_id",),
        comment="ACL",
    ),
    TableSpec(
        "cis_acl_user",
        "core_tables.sql",
        (
            Col("user_id", "BIGINT", nullable=False),
            Col(
                "user_login",
                "STRING",
                nullable=False,
                comment="unique; enforced by the library",
                unique=True,
            ),
            Col("user_name", "STRING", nullable=False),
            Col("user_email", "STRING", nullable=False),
            Col(
                "password_hash",
                "STRING",
                nullable=False,
                comment="Argon2id (older: scrypt) hash, never the password",
            ),
            Col("enabled", "BOOLEAN", nullable=False),
            Col("created_at", "TIMESTAMP", nullable=False),
            Col("created_by", "STRING", nullable=False),
            Col("updated_at", "TIMESTAMP", nullable=False),
            Col("updated_by", "STRING", nullable=False),
        ),
        key=("user_id",),
    ),
    TableSpec(
        "cis_acl_user_group",
        "core_tables.sql",
        (
            Col("user_id", "BIGINT", nullable=False),
            Col("group_id", "BIGINT", nullable=False),
            Col(
                "is_primary",
                "BOOLEAN",
                nullable=False,
                comment="the group shown in the session data",
            ),
            Col("added_at", "TIMESTAMP", nullable=False),
            Col("added_by", "STRING", nullable=False),
        ),
        key=("user_id", "group_id"),
    ),
    TableSpec(
        "cis_acl_permission",
        "core_tables.sql",
        (
            Col("group_id", "BIGINT", nullable=False),
            Col(
                "resource",
                "STRING",
                nullable=False,
                comment="cis-portfolio, cis-udf, cis-audit, ...",
            ),
            Col(
                "access_level",
                "STRING",
                nullable=False,
                comment="READ, WRITE or READ_WRITE",
                allowed=("READ", "WRITE", "READ_WRITE"),
            ),
            Col("granted_at", "TIMESTAMP", nullable=False),
            Col("granted_by", "STRING", nullable=False),
        ),
        key=("group_id", "resource"),
    ),
    TableSpec(
        "cis_udf_master",
        "core_tables.sql",
        (
            Col("udf_name", "STRING", nullable=False),
            Col("label", "STRING", nullable=False),
            Col(
                "data_type",
                "STRING",
                nullable=False,
                comment="STRING, INTEGER, DECIMAL, DATE, BOOLEAN or ENUM",
                allowed=("STRING", "INTEGER", "DECIMAL", "DATE", "BOOLEAN", "ENUM"),
            ),
            Col("allowed_values", "STRING", comment="JSON list, for ENUM"),
            Col("mandatory", "BOOLEAN", nullable=False),
            Col("default_value", "STRING"),
            Col("active", "BOOLEAN", nullable=False),
            Col("created_at", "TIMESTAMP", nullable=False),
            Col("created_by", "STRING", nullable=False),
            Col("updated_at", "TIMESTAMP", nullable=False),
            Col("updated_by", "STRING", nullable=False),
        ),
        key=("udf_name",),
        comment="User-defined fields",
    ),
    TableSpec(
        "cis_udf_value",
        "core_tables.sql",
        (
            Col("portfolio_code", "STRING", nullable=False),
            Col("udf_name", "STRING", nullable=False),
            Col("udf_value", "STRING", nullable=False, comment="canonical text of the typed value"),
            Col("updated_at", "TIMESTAMP", nullable=False),
            Col("updated_by", "STRING", nullable=False),
        ),
        key=("portfolio_code", "udf_name"),
        hash_partitions=4,
    ),
    TableSpec(
        "cis_portfolio",
        "core_tables.sql",
        (
            Col("portfolio_code", "STRING", nullable=False),
            Col("portfolio_name", "STRING", nullable=False),
            Col("description", "STRING"),
            Col("base_currency", "STRING", nullable=False),
            Col("owner", "STRING", nullable=False),
            Col("desk", "STRING", nullable=False),
            Col(
                "status",
                "STRING",
                nullable=False,
                comment="DRAFT, PENDING_APPROVAL, ACTIVE, REJECTED or INACTIVE",
                allowed=("DRAFT", "PENDING_APPROVAL", "ACTIVE", "REJECTED", "INACTIVE"),
            ),
            Col(
                "version",
                "BIGINT",
                nullable=False,
                comment="optimistic concurrency: +1 on every change",
            ),
            Col(
                "change_makers",
                "STRING",
                nullable=False,
                comment="JSON list of the makers of the pending change",
            ),
            Col(
                "pending_action",
                "STRING",
                comment="EDIT or DEACTIVATE",
                allowed=("EDIT", "DEACTIVATE"),
            ),
            Col(
                "pending_status",
                "STRING",
                comment="DRAFT, PENDING_APPROVAL or REJECTED",
                allowed=("DRAFT", "PENDING_APPROVAL", "REJECTED"),
            ),
            Col("pending_data", "STRING", comment="JSON: the proposed record"),
            Col("submitted_by", "STRING"),
            Col("submitted_at", "TIMESTAMP"),
            Col("rejection_reason", "STRING"),
            Col("approved_by", "STRING"),
            Col("approved_at", "TIMESTAMP"),
            Col("created_by", "STRING", nullable=False),
            Col("created_at", "TIMESTAMP", nullable=False),
            Col("updated_by", "STRING", nullable=False),
            Col("updated_at", "TIMESTAMP", nullable=False),
        ),
        key=("portfolio_code",),
        comment=(
            "Portfolios\n"
            "The current record of each portfolio. status changes with every workflow step,\n"
            "so it is not a key (nor a partition) column; WHERE status = ... is evaluated by Kudu."
        ),
        hash_partitions=4,
    ),
    TableSpec(
        "cis_portfolio_history",
        "core_tables.sql",
        (
            Col("portfolio_code", "STRING", nullable=False),
            Col("version", "BIGINT", nullable=False),
            Col("action", "STRING", nullable=False),
            Col("actor", "STRING", nullable=False),
            Col("action_at", "TIMESTAMP", nullable=False),
            Col("reason", "STRING"),
            Col("portfolio_name", "STRING", nullable=False),
            Col("description", "STRING"),
            Col("base_currency", "STRING", nullable=False),
            Col("owner", "STRING", nullable=False),
            Col("desk", "STRING", nullable=False),
            Col("status", "STRING", nullable=False),
            Col("udf_values", "STRING", nullable=False, comment="JSON object"),
            Col("pending_action", "STRING"),
            Col("pending_status", "STRING"),
            Col("pending_data", "STRING"),
        ),
        key=("portfolio_code", "version", "action_at"),
        comment=(
            "Every version of every portfolio, as it stood after each change. Append-only:\n"
            "action_at is in the key so that the table can be range partitioned by date."
        ),
        hash_partitions=4,
        by_year="action_at",
        append_only=True,
        duckdb_key=("portfolio_code", "version"),
    ),
    TableSpec(
        "cis_audit_log",
        "core_tables.sql",
        (
            Col("event_id", "STRING", nullable=False),
            Col("event_time", "TIMESTAMP", nullable=False),
            Col("user_login", "STRING", nullable=False),
            Col("action", "STRING", nullable=False),
            Col("entity_type", "STRING", nullable=False),
            Col("entity_id", "STRING"),
            Col(
                "outcome",
                "STRING",
                nullable=False,
                comment="SUCCESS, DENIED, INVALID, CONFLICT or ERROR",
                allowed=("SUCCESS", "DENIED", "INVALID", "CONFLICT", "ERROR"),
            ),
            Col("before_json", "STRING"),
            Col("after_json", "STRING"),
            Col("detail", "STRING", comment="JSON: error, reason, filters"),
        ),
        key=("event_id", "event_time"),
        comment="Audit log: appended to, never updated or deleted",
        hash_partitions=4,
        by_year="event_time",
        append_only=True,
        duckdb_key=("event_id",),
    ),
    TableSpec(
        "cis_fx_rate",
        "fx_tables.sql",
        (
            Col("pair", "STRING", nullable=False, comment="base then quote, e.g. EURUSD"),
            Col("base_ccy", "STRING", nullable=False),
            Col("quote_ccy", "STRING", nullable=False),
            Col("bid", "DECIMAL(24,10)", nullable=False),
            Col("ask", "DECIMAL(24,10)", nullable=False),
            Col("mid", "DECIMAL(24,10)", nullable=False, comment="the valuation rate"),
            Col("provider_ts", "TIMESTAMP", nullable=False, comment="quote time at the provider"),
            Col("source", "STRING", nullable=False, comment="bloomberg or reuters"),
            Col(
                "source_id",
                "STRING",
                nullable=False,
                comment="instrument at the provider, e.g. EURUSD BGN Curncy",
            ),
            Col("run_id", "STRING", nullable=False),
            Col("loaded_at", "TIMESTAMP", nullable=False),
        ),
        key=("pair", "provider_ts", "source"),
        comment=(
            "FX rates: every good rate stored, one row per (pair, provider timestamp, source)"
        ),
        hash_partitions=4,
        by_year="provider_ts",
        append_only=True,
    ),
    TableSpec(
        "cis_acl_session",
        "core_tables.sql",
        (
            Col("session_id", "STRING", nullable=False, comment="SHA-256 of the token"),
            Col("user_id", "BIGINT", nullable=False),
            Col("user_login", "STRING", nullable=False),
            Col(
                "session_data",
                "STRING",
                nullable=False,
                comment="JSON: user, primary group, permission map",
            ),
            Col("created_at", "TIMESTAMP", nullable=False),
            Col("expires_at", "TIMESTAMP", nullable=False),
            Col("revoked_at", "TIMESTAMP"),
        ),
        key=("session_id",),
        comment="ACL sessions: the SHA-256 of the token, never the token",
    ),
    TableSpec(
        "cis_acl_login_throttle",
        "core_tables.sql",
        (
            Col(
                "throttle_key",
                "STRING",
                nullable=False,
                comment="login:<login> or client:<address>",
            ),
            Col("failures", "INT", nullable=False),
            Col("last_failure_at", "TIMESTAMP", nullable=False),
            Col("locked_until", "TIMESTAMP"),
        ),
        key=("throttle_key",),
        comment="Failed logins per key (login:<login>, client:<address>): back-off and lockout",
    ),
    TableSpec(
        "cis_api_client",
        "core_tables.sql",
        (
            Col(
                "client_id",
                "STRING",
                nullable=False,
                comment="also the login of its service account",
            ),
            Col("group_name", "STRING", nullable=False, comment="the ACL group the client acts in"),
            Col("description", "STRING"),
            Col("created_at", "TIMESTAMP", nullable=False),
            Col("created_by", "STRING", nullable=False),
        ),
        key=("client_id",),
        comment="API clients (OAuth 2.0 client credentials): the secret is the service "
        "account's hash",
    ),
    TableSpec(
        "cis_acl_change",
        "core_tables.sql",
        (
            Col("change_id", "STRING", nullable=False),
            Col("changed_at", "TIMESTAMP", nullable=False),
            Col("changed_by", "STRING", nullable=False),
            Col("action", "STRING", nullable=False, comment="USER_DISABLE, PERMISSION_REVOKE, ..."),
        ),
        key=("change_id",),
        comment="One row per change to users, groups, grants or sessions, in the change's "
        "transaction: the API re-reads a session's access when the count moves",
        append_only=True,
    ),
    TableSpec(
        "cis_mail_outbox",
        "core_tables.sql",
        (
            Col("mail_id", "STRING", nullable=False),
            Col(
                "topic",
                "STRING",
                nullable=False,
                comment="gmp.<check>, fx.<kind>, portfolio.<event>, report.<name> or system",
            ),
            Col("subject", "STRING", nullable=False),
            Col("body_text", "STRING", nullable=False),
            Col("body_html", "STRING"),
            Col("recipients", "STRING", nullable=False, comment="comma-separated addresses"),
            Col("headers", "STRING", comment="JSON: the X-CisTrade-* headers of the topic"),
            Col("attachments", "STRING", comment="JSON: files read when sending"),
            Col("dedupe_key", "STRING", comment="unique; enforced by the library", unique=True),
            Col("feed", "STRING"),
            Col("business_date", "DATE"),
            Col("provider", "STRING"),
            Col("run_id", "STRING"),
            Col("portfolio_code", "STRING"),
            Col("portfolio_version", "BIGINT"),
            Col("report", "STRING"),
            Col(
                "status",
                "STRING",
                nullable=False,
                comment="PENDING, SENDING, SENT, FAILED or NO_RECIPIENTS",
                allowed=("PENDING", "SENDING", "SENT", "FAILED", "NO_RECIPIENTS"),
            ),
            Col("attempts", "INT", nullable=False),
            Col("error", "STRING", comment="of the last attempt"),
            Col("message_id", "STRING", nullable=False, comment="the same on every attempt"),
            Col("created_at", "TIMESTAMP", nullable=False),
            Col("claimed_at", "TIMESTAMP"),
            Col("claimed_by", "STRING", comment="host:pid of the sender"),
            Col("sent_at", "TIMESTAMP"),
        ),
        key=("mail_id",),
        comment=(
            "Mail outbox: every outgoing mail (alerts, workflow mail, reports), sent from here"
        ),
    ),
    TableSpec(
        "cis_fx_rate_held",
        "fx_tables.sql",
        (
            Col("run_id", "STRING", nullable=False),
            Col("pair", "STRING", nullable=False),
            Col("source", "STRING", nullable=False),
            Col("source_id", "STRING"),
            Col("bid", "DECIMAL(24,10)"),
            Col("ask", "DECIMAL(24,10)"),
            Col("mid", "DECIMAL(24,10)"),
            Col("provider_ts", "TIMESTAMP"),
            Col(
                "disposition",
                "STRING",
                nullable=False,
                comment="held, rejected or released",
                allowed=("held", "rejected", "released"),
            ),
            Col("check_name", "STRING", nullable=False),
            Col("detail", "STRING", nullable=False),
            Col(
                "reference_mid",
                "DECIMAL(24,10)",
                comment="the stored mid a jump was measured against",
            ),
            Col("recorded_at", "TIMESTAMP", nullable=False),
        ),
        key=("run_id", "pair", "source"),
        comment="FX rates that were not stored as good: rejected, or held back after a jump",
        duckdb_key=(),
    ),
    TableSpec(
        "cis_fx_feed_health",
        "fx_tables.sql",
        (
            Col("run_id", "STRING", nullable=False),
            Col("provider", "STRING", nullable=False),
            Col(
                "role",
                "STRING",
                nullable=False,
                comment="primary, fallback or backup (reserved word)",
                allowed=("primary", "fallback", "backup"),
            ),
            Col("started_at", "TIMESTAMP", nullable=False),
            Col("finished_at", "TIMESTAMP", nullable=False),
            Col("pairs_requested", "INT", nullable=False),
            Col("pairs_received", "INT", nullable=False),
            Col("pairs_good", "INT", nullable=False),
            Col("pairs_stored", "INT", nullable=False),
            Col("pairs_rejected", "INT", nullable=False),
            Col("pairs_held", "INT", nullable=False),
            Col("attempts", "INT", nullable=False),
            Col("retries", "INT", nullable=False),
            Col("outcome", "STRING", nullable=False),
            Col("error", "STRING"),
        ),
        key=("run_id", "provider"),
        comment="One row per provider call of an FX load run: the feed-health record",
        append_only=True,
        duckdb_key=(),
    ),
    TableSpec(
        "cis_fx_load_run",
        "fx_tables.sql",
        (
            Col("run_id", "STRING", nullable=False),
            Col("primary_provider", "STRING", nullable=False),
            Col("started_at", "TIMESTAMP", nullable=False),
            Col("finished_at", "TIMESTAMP", nullable=False),
            Col(
                "status",
                "STRING",
                nullable=False,
                comment="ok, degraded or outage",
                allowed=("ok", "degraded", "outage"),
            ),
            Col("pairs_requested", "INT", nullable=False),
            Col("pairs_fresh", "INT", nullable=False),
            Col("pairs_stored", "INT", nullable=False),
            Col("pairs_from_fallback", "INT", nullable=False),
            Col("pairs_missing", "INT", nullable=False),
            Col("message", "STRING", nullable=False),
        ),
        key=("run_id",),
        comment="One row per FX load run",
        append_only=True,
    ),
    TableSpec(
        "cis_report_run",
        "report_tables.sql",
        (
            Col("report", "STRING", nullable=False),
            Col("as_of", "DATE", nullable=False),
            Col("formats", "STRING", nullable=False),
            Col("folder", "STRING", nullable=False),
            Col("row_count", "BIGINT", nullable=False),
            Col("recipients", "STRING"),
            Col("sent", "BOOLEAN", comment="null: built, not mailed"),
            Col("zipped", "BOOLEAN"),
            Col("error", "STRING"),
            Col("recorded_at", "TIMESTAMP", nullable=False),
        ),
        key=("report", "recorded_at"),
        comment="Every report run and its delivery",
        append_only=True,
        duckdb_key=(),
    ),
    TableSpec(
        "cis_row_claim",
        None,
        (
            Col(
                "claim_id",
                "STRING",
                nullable=False,
                comment="SHA-256 of table, row key and the state seen",
            ),
            Col("table_name", "STRING", nullable=False),
            Col("row_key", "STRING", nullable=False, comment="JSON list of the key values"),
            Col("claimed_by", "STRING", nullable=False, comment="the unit of work"),
            Col("claimed_at", "TIMESTAMP", nullable=False),
        ),
        key=("claim_id",),
        comment=(
            "Row claims: optimistic concurrency without transactions. A unit of work inserts\n"
            "one claim per row it creates or changes, keyed by the row and the state it saw;\n"
            "Kudu keeps the first INSERT of a key, so of two writers that saw the same state\n"
            "only one finds its own claim and goes on. Claims older than a minute no longer block."
        ),
        append_only=True,
        duckdb=False,
    ),
)

VIEWS: tuple[View, ...] = (
    View(
        "cis_fx_rate_current",
        "fx_tables.sql",
        "The current rate of each pair: its newest good rate, where Bloomberg, the primary\n"
        "source, has a 5-minute head start: a Reuters rate replaces a Bloomberg one only\n"
        "when it is more than 5 minutes newer (Bloomberg down or lacking the pair, while\n"
        "the Reuters backup run keeps quoting). Keep in step with FxStore.rates_as_of.",
        f"""SELECT pair, base_ccy, quote_ccy, bid, ask, mid, provider_ts, source, source_id, run_id,
       loaded_at
FROM (
    SELECT r.*,
           row_number() OVER (
               PARTITION BY pair
               ORDER BY CASE source WHEN 'bloomberg' THEN provider_ts + INTERVAL 5 MINUTES
                                         ELSE provider_ts END DESC,
                        provider_ts DESC
           ) AS rank_in_pair
    FROM {SCHEMA}.cis_fx_rate AS r
) AS ranked
WHERE rank_in_pair = 1""",
    ),
)
