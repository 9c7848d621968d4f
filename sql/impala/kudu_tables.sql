-- CisTrade's transactional tables in Kudu, created through Impala (database gmp_cis).
-- Run by cistrade_core.warehouse.kudu.KuduStore.ensure_tables(); every statement is
-- idempotent. Timestamps are naive UTC. JSON is kept as STRING.
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
--  * writes are UPSERT (by key) or INSERT, in batches, through Impala.

CREATE DATABASE IF NOT EXISTS gmp_cis;

-- ACL ------------------------------------------------------------------------------------
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
    password_hash STRING    NOT NULL COMMENT 'scrypt hash, never the password',
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

-- User-defined fields --------------------------------------------------------------------
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

-- Portfolios -----------------------------------------------------------------------------
-- The current record of each portfolio. status changes with every workflow step,
-- so it is not a key (nor a partition) column; WHERE status = ... is evaluated by Kudu.
CREATE TABLE IF NOT EXISTS gmp_cis.cis_portfolio (
    portfolio_code   STRING    NOT NULL,
    portfolio_name   STRING    NOT NULL,
    description      STRING,
    base_currency    STRING    NOT NULL,
    owner            STRING    NOT NULL,
    desk             STRING    NOT NULL,
    status           STRING    NOT NULL
        COMMENT 'DRAFT, PENDING_APPROVAL, ACTIVE, REJECTED or INACTIVE',
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

-- Audit log: appended to, never updated or deleted ----------------------------------------
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

-- FX rates: every good rate stored, one row per (pair, provider timestamp, source) ---------
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

-- The current rate of each pair: its newest rate; on equal provider timestamps
-- Bloomberg, the primary source, wins.
CREATE VIEW IF NOT EXISTS gmp_cis.cis_fx_rate_current AS
SELECT pair, base_ccy, quote_ccy, bid, ask, mid, provider_ts, source, source_id, run_id,
       loaded_at
FROM (
    SELECT r.*,
           row_number() OVER (
               PARTITION BY pair
               ORDER BY provider_ts DESC, CASE source WHEN 'bloomberg' THEN 0 ELSE 1 END
           ) AS rank_in_pair
    FROM gmp_cis.cis_fx_rate AS r
) AS ranked
WHERE rank_in_pair = 1;
