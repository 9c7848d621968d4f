-- CisTrade's transactional tables in Kudu, created through Impala (database gmp_cis)
-- by `cistrade db upgrade`; every statement is idempotent. Timestamps are naive UTC.
-- JSON is kept as STRING.
--
-- Kudu rules that shape these tables:
--  * the primary-key columns come first, in key order, and are NOT NULL;
--  * partition columns must be key columns, so a column that changes (a
--    portfolio's status) cannot be one: the tables that change are hash
--    partitioned on their key, and a filter on status is pushed down to Kudu;
--  * the append-only tables (history, audit log, FX rates) are also range
--    partitioned by their date, one range per year: queries over a period read
--    only that period's tablets, and an old year can be dropped whole. Ranges up
--    to 2031 exist; add a year with sql/impala/kudu_add_year.sql before it starts;
--  * there are no UNIQUE, CHECK or FOREIGN KEY constraints: the library enforces
--    them (login uniqueness, status values, references);
--  * writes are UPSERT (by key) or INSERT, in batches, through Impala;
--  * there are no multi-statement transactions: a unit of work first claims the
--    rows it changes in cis_row_claim (an INSERT keeps only the first claim of a
--    key), then writes (see cistrade_core.warehouse.rowstore).
-- Generated from cistrade_core.warehouse.definitions by `cistrade sql render`;
-- do not edit by hand (tests/warehouse/test_table_ddl.py checks it is in sync).

CREATE DATABASE IF NOT EXISTS gmp_cis;

-- ACL
CREATE TABLE IF NOT EXISTS gmp_cis.cis_acl_group (
    group_id        BIGINT    NOT NULL,
    group_name      STRING    NOT NULL,
    description     STRING,
    parent_group_id BIGINT    COMMENT 'permissions of ancestor groups are inherited',
    created_at      TIMESTAMP NOT NULL,
    created_by      STRING    NOT NULL,
    PRIMARY KEY (group_id)
)
PARTITION BY HASH (group_id) PARTITIONS 2
STORED AS KUDU;

CREATE TABLE IF NOT EXISTS gmp_cis.cis_acl_user (
    user_id       BIGINT    NOT NULL,
    user_login    STRING    NOT NULL COMMENT 'unique; enforced by the library',
    user_name     STRING    NOT NULL,
    user_email    STRING    NOT NULL,
    password_hash STRING    NOT NULL COMMENT 'Argon2id (older: scrypt) hash, never the password',
    enabled       BOOLEAN   NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    created_by    STRING    NOT NULL,
    updated_at    TIMESTAMP NOT NULL,
    updated_by    STRING    NOT NULL,
    PRIMARY KEY (user_id)
)
PARTITION BY HASH (user_id) PARTITIONS 2
STORED AS KUDU;

CREATE TABLE IF NOT EXISTS gmp_cis.cis_acl_user_group (
    user_id    BIGINT    NOT NULL,
    group_id   BIGINT    NOT NULL,
    is_primary BOOLEAN   NOT NULL COMMENT 'the group shown in the session data',
    added_at   TIMESTAMP NOT NULL,
    added_by   STRING    NOT NULL,
    PRIMARY KEY (user_id, group_id)
)
PARTITION BY HASH (user_id) PARTITIONS 2
STORED AS KUDU;

CREATE TABLE IF NOT EXISTS gmp_cis.cis_acl_permission (
    group_id     BIGINT    NOT NULL,
    resource     STRING    NOT NULL COMMENT 'cis-portfolio, cis-udf, cis-audit, ...',
    access_level STRING    NOT NULL COMMENT 'READ, WRITE or READ_WRITE',
    granted_at   TIMESTAMP NOT NULL,
    granted_by   STRING    NOT NULL,
    PRIMARY KEY (group_id, resource)
)
PARTITION BY HASH (group_id) PARTITIONS 2
STORED AS KUDU;

-- User-defined fields
CREATE TABLE IF NOT EXISTS gmp_cis.cis_udf_master (
    udf_name       STRING    NOT NULL,
    label          STRING    NOT NULL,
    data_type      STRING    NOT NULL COMMENT 'STRING, INTEGER, DECIMAL, DATE, BOOLEAN or ENUM',
    allowed_values STRING    COMMENT 'JSON list, for ENUM',
    mandatory      BOOLEAN   NOT NULL,
    default_value  STRING,
    active         BOOLEAN   NOT NULL,
    created_at     TIMESTAMP NOT NULL,
    created_by     STRING    NOT NULL,
    updated_at     TIMESTAMP NOT NULL,
    updated_by     STRING    NOT NULL,
    PRIMARY KEY (udf_name)
)
PARTITION BY HASH (udf_name) PARTITIONS 2
STORED AS KUDU;

CREATE TABLE IF NOT EXISTS gmp_cis.cis_udf_value (
    portfolio_code STRING    NOT NULL,
    udf_name       STRING    NOT NULL,
    udf_value      STRING    NOT NULL COMMENT 'canonical text of the typed value',
    updated_at     TIMESTAMP NOT NULL,
    updated_by     STRING    NOT NULL,
    PRIMARY KEY (portfolio_code, udf_name)
)
PARTITION BY HASH (portfolio_code) PARTITIONS 4
STORED AS KUDU;

-- Portfolios
-- The current record of each portfolio. status changes with every workflow step,
-- so it is not a key (nor a partition) column; WHERE status = ... is evaluated by Kudu.
CREATE TABLE IF NOT EXISTS gmp_cis.cis_portfolio (
    portfolio_code   STRING    NOT NULL,
    portfolio_name   STRING    NOT NULL,
    description      STRING,
    base_currency    STRING    NOT NULL,
    owner            STRING    NOT NULL,
    desk             STRING    NOT NULL,
    status           STRING    NOT NULL COMMENT 'DRAFT, PENDING_APPROVAL, ACTIVE, REJECTED or INACTIVE',
    version          BIGINT    NOT NULL COMMENT 'optimistic concurrency: +1 on every change',
    change_makers    STRING    NOT NULL COMMENT 'JSON list of the makers of the pending change',
    pending_action   STRING    COMMENT 'EDIT or DEACTIVATE',
    pending_status   STRING    COMMENT 'DRAFT, PENDING_APPROVAL or REJECTED',
    pending_data     STRING    COMMENT 'JSON: the proposed record',
    submitted_by     STRING,
    submitted_at     TIMESTAMP,
    rejection_reason STRING,
    approved_by      STRING,
    approved_at      TIMESTAMP,
    created_by       STRING    NOT NULL,
    created_at       TIMESTAMP NOT NULL,
    updated_by       STRING    NOT NULL,
    updated_at       TIMESTAMP NOT NULL,
    PRIMARY KEY (portfolio_code)
)
PARTITION BY HASH (portfolio_code) PARTITIONS 4
STORED AS KUDU;

-- Every version of every portfolio, as it stood after each change. Append-only:
-- action_at is in the key so that the table can be range partitioned by date.
CREATE TABLE IF NOT EXISTS gmp_cis.cis_portfolio_history (
    portfolio_code STRING    NOT NULL,
    version        BIGINT    NOT NULL,
    action_at      TIMESTAMP NOT NULL,
    action         STRING    NOT NULL,
    actor          STRING    NOT NULL,
    reason         STRING,
    portfolio_name STRING    NOT NULL,
    description    STRING,
    base_currency  STRING    NOT NULL,
    owner          STRING    NOT NULL,
    desk           STRING    NOT NULL,
    status         STRING    NOT NULL,
    udf_values     STRING    NOT NULL COMMENT 'JSON object',
    pending_action STRING,
    pending_status STRING,
    pending_data   STRING,
    PRIMARY KEY (portfolio_code, version, action_at)
)
PARTITION BY HASH (portfolio_code) PARTITIONS 4,
RANGE (action_at) (
    PARTITION VALUES < '2025-01-01 00:00:00',
    PARTITION '2025-01-01 00:00:00' <= VALUES < '2026-01-01 00:00:00',
    PARTITION '2026-01-01 00:00:00' <= VALUES < '2027-01-01 00:00:00',
    PARTITION '2027-01-01 00:00:00' <= VALUES < '2028-01-01 00:00:00',
    PARTITION '2028-01-01 00:00:00' <= VALUES < '2029-01-01 00:00:00',
    PARTITION '2029-01-01 00:00:00' <= VALUES < '2030-01-01 00:00:00',
    PARTITION '2030-01-01 00:00:00' <= VALUES < '2031-01-01 00:00:00',
    PARTITION '2031-01-01 00:00:00' <= VALUES < '2032-01-01 00:00:00'
)
STORED AS KUDU;

-- Audit log: appended to, never updated or deleted
CREATE TABLE IF NOT EXISTS gmp_cis.cis_audit_log (
    event_id    STRING    NOT NULL,
    event_time  TIMESTAMP NOT NULL,
    user_login  STRING    NOT NULL,
    action      STRING    NOT NULL,
    entity_type STRING    NOT NULL,
    entity_id   STRING,
    outcome     STRING    NOT NULL COMMENT 'SUCCESS, DENIED, INVALID, CONFLICT or ERROR',
    before_json STRING,
    after_json  STRING,
    detail      STRING    COMMENT 'JSON: error, reason, filters',
    PRIMARY KEY (event_id, event_time)
)
PARTITION BY HASH (event_id) PARTITIONS 4,
RANGE (event_time) (
    PARTITION VALUES < '2025-01-01 00:00:00',
    PARTITION '2025-01-01 00:00:00' <= VALUES < '2026-01-01 00:00:00',
    PARTITION '2026-01-01 00:00:00' <= VALUES < '2027-01-01 00:00:00',
    PARTITION '2027-01-01 00:00:00' <= VALUES < '2028-01-01 00:00:00',
    PARTITION '2028-01-01 00:00:00' <= VALUES < '2029-01-01 00:00:00',
    PARTITION '2029-01-01 00:00:00' <= VALUES < '2030-01-01 00:00:00',
    PARTITION '2030-01-01 00:00:00' <= VALUES < '2031-01-01 00:00:00',
    PARTITION '2031-01-01 00:00:00' <= VALUES < '2032-01-01 00:00:00'
)
STORED AS KUDU;

-- FX rates: every good rate stored, one row per (pair, provider timestamp, source)
CREATE TABLE IF NOT EXISTS gmp_cis.cis_fx_rate (
    pair        STRING         NOT NULL COMMENT 'base then quote, e.g. EURUSD',
    provider_ts TIMESTAMP      NOT NULL COMMENT 'quote time at the provider',
    source      STRING         NOT NULL COMMENT 'bloomberg or reuters',
    base_ccy    STRING         NOT NULL,
    quote_ccy   STRING         NOT NULL,
    bid         DECIMAL(24,10) NOT NULL,
    ask         DECIMAL(24,10) NOT NULL,
    mid         DECIMAL(24,10) NOT NULL COMMENT 'the valuation rate',
    source_id   STRING         NOT NULL COMMENT 'instrument at the provider, e.g. EURUSD BGN Curncy',
    run_id      STRING         NOT NULL,
    loaded_at   TIMESTAMP      NOT NULL,
    PRIMARY KEY (pair, provider_ts, source)
)
PARTITION BY HASH (pair) PARTITIONS 4,
RANGE (provider_ts) (
    PARTITION VALUES < '2025-01-01 00:00:00',
    PARTITION '2025-01-01 00:00:00' <= VALUES < '2026-01-01 00:00:00',
    PARTITION '2026-01-01 00:00:00' <= VALUES < '2027-01-01 00:00:00',
    PARTITION '2027-01-01 00:00:00' <= VALUES < '2028-01-01 00:00:00',
    PARTITION '2028-01-01 00:00:00' <= VALUES < '2029-01-01 00:00:00',
    PARTITION '2029-01-01 00:00:00' <= VALUES < '2030-01-01 00:00:00',
    PARTITION '2030-01-01 00:00:00' <= VALUES < '2031-01-01 00:00:00',
    PARTITION '2031-01-01 00:00:00' <= VALUES < '2032-01-01 00:00:00'
)
STORED AS KUDU;

-- ACL sessions: the SHA-256 of the token, never the token
CREATE TABLE IF NOT EXISTS gmp_cis.cis_acl_session (
    session_id   STRING    NOT NULL COMMENT 'SHA-256 of the token',
    user_id      BIGINT    NOT NULL,
    user_login   STRING    NOT NULL,
    session_data STRING    NOT NULL COMMENT 'JSON: user, primary group, permission map',
    created_at   TIMESTAMP NOT NULL,
    expires_at   TIMESTAMP NOT NULL,
    revoked_at   TIMESTAMP,
    PRIMARY KEY (session_id)
)
PARTITION BY HASH (session_id) PARTITIONS 2
STORED AS KUDU;

-- Failed logins per key (login:<login>, client:<address>): back-off and lockout
CREATE TABLE IF NOT EXISTS gmp_cis.cis_acl_login_throttle (
    throttle_key    STRING    NOT NULL COMMENT 'login:<login> or client:<address>',
    failures        INT       NOT NULL,
    last_failure_at TIMESTAMP NOT NULL,
    locked_until    TIMESTAMP,
    PRIMARY KEY (throttle_key)
)
PARTITION BY HASH (throttle_key) PARTITIONS 2
STORED AS KUDU;

-- API clients (OAuth 2.0 client credentials): the secret is the service account's hash
CREATE TABLE IF NOT EXISTS gmp_cis.cis_api_client (
    client_id   STRING    NOT NULL COMMENT 'also the login of its service account',
    group_name  STRING    NOT NULL COMMENT 'the ACL group the client acts in',
    description STRING,
    created_at  TIMESTAMP NOT NULL,
    created_by  STRING    NOT NULL,
    PRIMARY KEY (client_id)
)
PARTITION BY HASH (client_id) PARTITIONS 2
STORED AS KUDU;

-- One row per change to users, groups, grants or sessions, in the change's transaction: the API re-reads a session's access when the count moves
CREATE TABLE IF NOT EXISTS gmp_cis.cis_acl_change (
    change_id  STRING    NOT NULL,
    changed_at TIMESTAMP NOT NULL,
    changed_by STRING    NOT NULL,
    action     STRING    NOT NULL COMMENT 'USER_DISABLE, PERMISSION_REVOKE, ...',
    PRIMARY KEY (change_id)
)
PARTITION BY HASH (change_id) PARTITIONS 2
STORED AS KUDU;

-- Mail outbox: every outgoing mail (alerts, workflow mail, reports), sent from here
CREATE TABLE IF NOT EXISTS gmp_cis.cis_mail_outbox (
    mail_id           STRING    NOT NULL,
    topic             STRING    NOT NULL COMMENT 'gmp.<check>, fx.<kind>, portfolio.<event>, report.<name> or system',
    subject           STRING    NOT NULL,
    body_text         STRING    NOT NULL,
    body_html         STRING,
    recipients        STRING    NOT NULL COMMENT 'comma-separated addresses',
    headers           STRING    COMMENT 'JSON: the X-CisTrade-* headers of the topic',
    attachments       STRING    COMMENT 'JSON: files read when sending',
    dedupe_key        STRING    COMMENT 'unique; enforced by the library',
    feed              STRING,
    business_date     DATE,
    provider          STRING,
    run_id            STRING,
    portfolio_code    STRING,
    portfolio_version BIGINT,
    report            STRING,
    status            STRING    NOT NULL COMMENT 'PENDING, SENDING, SENT, FAILED or NO_RECIPIENTS',
    attempts          INT       NOT NULL,
    error             STRING    COMMENT 'of the last attempt',
    message_id        STRING    NOT NULL COMMENT 'the same on every attempt',
    created_at        TIMESTAMP NOT NULL,
    claimed_at        TIMESTAMP,
    claimed_by        STRING    COMMENT 'host:pid of the sender',
    sent_at           TIMESTAMP,
    PRIMARY KEY (mail_id)
)
PARTITION BY HASH (mail_id) PARTITIONS 2
STORED AS KUDU;

-- FX rates that were not stored as good: rejected, or held back after a jump
CREATE TABLE IF NOT EXISTS gmp_cis.cis_fx_rate_held (
    run_id        STRING         NOT NULL,
    pair          STRING         NOT NULL,
    source        STRING         NOT NULL,
    source_id     STRING,
    bid           DECIMAL(24,10),
    ask           DECIMAL(24,10),
    mid           DECIMAL(24,10),
    provider_ts   TIMESTAMP,
    disposition   STRING         NOT NULL COMMENT 'held, rejected or released',
    check_name    STRING         NOT NULL,
    detail        STRING         NOT NULL,
    reference_mid DECIMAL(24,10) COMMENT 'the stored mid a jump was measured against',
    recorded_at   TIMESTAMP      NOT NULL,
    PRIMARY KEY (run_id, pair, source)
)
PARTITION BY HASH (run_id) PARTITIONS 2
STORED AS KUDU;

-- One row per provider call of an FX load run: the feed-health record
CREATE TABLE IF NOT EXISTS gmp_cis.cis_fx_feed_health (
    run_id          STRING    NOT NULL,
    provider        STRING    NOT NULL,
    `role`          STRING    NOT NULL COMMENT 'primary, fallback or backup (reserved word)',
    started_at      TIMESTAMP NOT NULL,
    finished_at     TIMESTAMP NOT NULL,
    pairs_requested INT       NOT NULL,
    pairs_received  INT       NOT NULL,
    pairs_good      INT       NOT NULL,
    pairs_stored    INT       NOT NULL,
    pairs_rejected  INT       NOT NULL,
    pairs_held      INT       NOT NULL,
    attempts        INT       NOT NULL,
    retries         INT       NOT NULL,
    outcome         STRING    NOT NULL,
    error           STRING,
    PRIMARY KEY (run_id, provider)
)
PARTITION BY HASH (run_id) PARTITIONS 2
STORED AS KUDU;

-- One row per FX load run
CREATE TABLE IF NOT EXISTS gmp_cis.cis_fx_load_run (
    run_id              STRING    NOT NULL,
    primary_provider    STRING    NOT NULL,
    started_at          TIMESTAMP NOT NULL,
    finished_at         TIMESTAMP NOT NULL,
    status              STRING    NOT NULL COMMENT 'ok, degraded or outage',
    pairs_requested     INT       NOT NULL,
    pairs_fresh         INT       NOT NULL,
    pairs_stored        INT       NOT NULL,
    pairs_from_fallback INT       NOT NULL,
    pairs_missing       INT       NOT NULL,
    message             STRING    NOT NULL,
    PRIMARY KEY (run_id)
)
PARTITION BY HASH (run_id) PARTITIONS 2
STORED AS KUDU;

-- Every report run and its delivery
CREATE TABLE IF NOT EXISTS gmp_cis.cis_report_run (
    report      STRING    NOT NULL,
    recorded_at TIMESTAMP NOT NULL,
    as_of       DATE      NOT NULL,
    formats     STRING    NOT NULL,
    folder      STRING    NOT NULL,
    row_count   BIGINT    NOT NULL,
    recipients  STRING,
    sent        BOOLEAN   COMMENT 'null: built, not mailed',
    zipped      BOOLEAN,
    error       STRING,
    PRIMARY KEY (report, recorded_at)
)
PARTITION BY HASH (report) PARTITIONS 2
STORED AS KUDU;

-- Row claims: optimistic concurrency without transactions. A unit of work inserts
-- one claim per row it creates or changes, keyed by the row and the state it saw;
-- Kudu keeps the first INSERT of a key, so of two writers that saw the same state
-- only one finds its own claim and goes on. Claims older than a minute no longer block.
CREATE TABLE IF NOT EXISTS gmp_cis.cis_row_claim (
    claim_id   STRING    NOT NULL COMMENT 'SHA-256 of table, row key and the state seen',
    table_name STRING    NOT NULL,
    row_key    STRING    NOT NULL COMMENT 'JSON list of the key values',
    claimed_by STRING    NOT NULL COMMENT 'the unit of work',
    claimed_at TIMESTAMP NOT NULL,
    PRIMARY KEY (claim_id)
)
PARTITION BY HASH (claim_id) PARTITIONS 2
STORED AS KUDU;

-- The current rate of each pair: its newest good rate, where Bloomberg, the primary
-- source, has a 5-minute head start: a Reuters rate replaces a Bloomberg one only
-- when it is more than 5 minutes newer (Bloomberg down or lacking the pair, while
-- the Reuters backup run keeps quoting). Keep in step with FxStore.rates_as_of.
CREATE VIEW IF NOT EXISTS gmp_cis.cis_fx_rate_current AS
SELECT pair, base_ccy, quote_ccy, bid, ask, mid, provider_ts, source, source_id, run_id,
       loaded_at
FROM (
    SELECT r.*,
           row_number() OVER (
               PARTITION BY pair
               ORDER BY CASE source WHEN 'bloomberg' THEN provider_ts + INTERVAL 5 MINUTES
                                         ELSE provider_ts END DESC,
                        provider_ts DESC
           ) AS rank_in_pair
    FROM gmp_cis.cis_fx_rate AS r
) AS ranked
WHERE rank_in_pair = 1;
