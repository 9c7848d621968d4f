-- The DuckDB schema of the previous release, as its DDL created it: the feed, control, core,
-- FX and report tables (with the GMP alert log), plus the alert tables of the release before
-- (cis_notification, cis_fx_alert). tests/test_schema.py upgrades a file built from it.

-- sql/duckdb/gmp_feed_tables.sql
CREATE SCHEMA IF NOT EXISTS gmp_cis;

CREATE TABLE IF NOT EXISTS gmp_cis.gmp_cis_sta_dly_currency (
    business_date DATE NOT NULL,
    currency_code VARCHAR NOT NULL,  -- char(3): ISO 4217 alphabetic code
    currency_name VARCHAR NOT NULL,  -- string: currency name
    numeric_code VARCHAR NOT NULL,  -- char(3): ISO 4217 numeric code
    minor_units INTEGER,  -- int: decimal places, empty for e.g. XAU
    is_active VARCHAR NOT NULL  -- char(1): Y or N
);
CREATE OR REPLACE VIEW gmp_cis.gmp_cis_sta_dly_currency_current AS
    SELECT * FROM gmp_cis.gmp_cis_sta_dly_currency
    WHERE business_date = (SELECT max(business_date) FROM gmp_cis.gmp_cis_sta_dly_currency);

CREATE TABLE IF NOT EXISTS gmp_cis.gmp_cis_sta_dly_country (
    business_date DATE NOT NULL,
    country_code VARCHAR NOT NULL,  -- char(2): ISO 3166-1 alpha-2 code
    country_code3 VARCHAR NOT NULL,  -- char(3): ISO 3166-1 alpha-3 code
    numeric_code VARCHAR NOT NULL,  -- char(3): ISO 3166-1 numeric code
    country_name VARCHAR NOT NULL,  -- string: country name
    currency_code VARCHAR,  -- char(3): main currency
    region VARCHAR  -- string: region, may be empty
);
CREATE OR REPLACE VIEW gmp_cis.gmp_cis_sta_dly_country_current AS
    SELECT * FROM gmp_cis.gmp_cis_sta_dly_country
    WHERE business_date = (SELECT max(business_date) FROM gmp_cis.gmp_cis_sta_dly_country);

CREATE TABLE IF NOT EXISTS gmp_cis.gmp_cis_sta_dly_calendar (
    business_date DATE NOT NULL,
    calendar_code VARCHAR NOT NULL,  -- string: country or financial-centre code (GB, USNY, TARGET)
    holiday_date DATE NOT NULL,  -- date: the holiday
    holiday_name VARCHAR NOT NULL  -- string: name of the holiday
);
CREATE OR REPLACE VIEW gmp_cis.gmp_cis_sta_dly_calendar_current AS
    SELECT * FROM gmp_cis.gmp_cis_sta_dly_calendar
    WHERE business_date = (SELECT max(business_date) FROM gmp_cis.gmp_cis_sta_dly_calendar);

CREATE TABLE IF NOT EXISTS gmp_cis.gmp_cis_sta_dly_counterparty (
    business_date DATE NOT NULL,
    counterparty_id VARCHAR NOT NULL,  -- string: GMP identifier
    lei VARCHAR,  -- char(20): ISO 17442 Legal Entity Identifier
    legal_name VARCHAR NOT NULL,  -- string: registered name
    short_name VARCHAR,  -- string: short name, may be empty
    country_code VARCHAR NOT NULL,  -- char(2): country of domicile
    counterparty_type VARCHAR NOT NULL,  -- string: kind of entity
    parent_id VARCHAR,  -- string: parent counterparty, may be empty
    status VARCHAR NOT NULL,  -- string: lifecycle status
    updated_at TIMESTAMP NOT NULL  -- timestamp: last change in GMP (UTC)
);
CREATE OR REPLACE VIEW gmp_cis.gmp_cis_sta_dly_counterparty_current AS
    SELECT * FROM gmp_cis.gmp_cis_sta_dly_counterparty
    WHERE business_date = (SELECT max(business_date) FROM gmp_cis.gmp_cis_sta_dly_counterparty);

-- sql/duckdb/gmp_control_tables.sql
-- Load history and alert log of the GMP reference-data load (DuckDB).
CREATE SCHEMA IF NOT EXISTS gmp_cis;

CREATE TABLE IF NOT EXISTS gmp_cis.gmp_load_history (
    feed              VARCHAR   NOT NULL,
    business_date     DATE      NOT NULL,
    extract_timestamp TIMESTAMP,
    row_count         BIGINT,
    status            VARCHAR   NOT NULL CHECK (status IN ('loaded', 'rejected', 'held')),
    reason            VARCHAR   NOT NULL,
    override          BOOLEAN   NOT NULL DEFAULT false,
    recorded_at       TIMESTAMP NOT NULL
);

CREATE TABLE IF NOT EXISTS gmp_cis.gmp_alert_log (
    kind          VARCHAR   NOT NULL,
    feed          VARCHAR   NOT NULL,
    business_date DATE      NOT NULL,
    subject       VARCHAR   NOT NULL,
    recipients    VARCHAR   NOT NULL,
    sent          BOOLEAN   NOT NULL,
    error         VARCHAR,
    raised_at     TIMESTAMP NOT NULL
);

-- sql/duckdb/core_tables.sql
-- Core tables: ACL, sessions, portfolios with their history, UDFs, audit log and
-- the mail outbox (DuckDB). Timestamps are naive UTC. JSON is kept as text
-- so the same columns map onto Kudu STRING columns.
CREATE SCHEMA IF NOT EXISTS gmp_cis;

-- ACL ------------------------------------------------------------------------------------
CREATE TABLE IF NOT EXISTS gmp_cis.cis_acl_group (
    group_id        BIGINT    PRIMARY KEY,
    group_name      VARCHAR   NOT NULL UNIQUE,
    description     VARCHAR,
    parent_group_id BIGINT,              -- permissions of ancestor groups are inherited
    created_at      TIMESTAMP NOT NULL,
    created_by      VARCHAR   NOT NULL
);

CREATE TABLE IF NOT EXISTS gmp_cis.cis_acl_user (
    user_id       BIGINT    PRIMARY KEY,
    user_login    VARCHAR   NOT NULL UNIQUE,
    user_name     VARCHAR   NOT NULL,
    user_email    VARCHAR   NOT NULL,
    password_hash VARCHAR   NOT NULL,    -- scrypt$N$r$p$salt$hash, never the password
    enabled       BOOLEAN   NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    created_by    VARCHAR   NOT NULL,
    updated_at    TIMESTAMP NOT NULL,
    updated_by    VARCHAR   NOT NULL
);

CREATE TABLE IF NOT EXISTS gmp_cis.cis_acl_user_group (
    user_id    BIGINT    NOT NULL,
    group_id   BIGINT    NOT NULL,
    is_primary BOOLEAN   NOT NULL,       -- the group shown in the session data
    added_at   TIMESTAMP NOT NULL,
    added_by   VARCHAR   NOT NULL,
    PRIMARY KEY (user_id, group_id)
);

CREATE TABLE IF NOT EXISTS gmp_cis.cis_acl_permission (
    group_id     BIGINT    NOT NULL,
    resource     VARCHAR   NOT NULL,     -- cis-portfolio, cis-portfolio-approval, cis-udf, ...
    access_level VARCHAR   NOT NULL CHECK (access_level IN ('READ', 'WRITE', 'READ_WRITE')),
    granted_at   TIMESTAMP NOT NULL,
    granted_by   VARCHAR   NOT NULL,
    PRIMARY KEY (group_id, resource)
);

CREATE TABLE IF NOT EXISTS gmp_cis.cis_acl_session (
    session_id   VARCHAR   PRIMARY KEY,  -- SHA-256 of the token; the token itself is not kept
    user_id      BIGINT    NOT NULL,
    user_login   VARCHAR   NOT NULL,
    session_data VARCHAR   NOT NULL,     -- JSON: user, primary group, permission map
    created_at   TIMESTAMP NOT NULL,
    expires_at   TIMESTAMP NOT NULL,
    revoked_at   TIMESTAMP
);

-- User-defined fields ----------------------------------------------------------------------
CREATE TABLE IF NOT EXISTS gmp_cis.cis_udf_master (
    udf_name       VARCHAR   PRIMARY KEY,
    label          VARCHAR   NOT NULL,
    data_type      VARCHAR   NOT NULL
        CHECK (data_type IN ('STRING', 'INTEGER', 'DECIMAL', 'DATE', 'BOOLEAN', 'ENUM')),
    allowed_values VARCHAR,              -- JSON list, for ENUM
    mandatory      BOOLEAN   NOT NULL,
    default_value  VARCHAR,
    active         BOOLEAN   NOT NULL,
    created_at     TIMESTAMP NOT NULL,
    created_by     VARCHAR   NOT NULL,
    updated_at     TIMESTAMP NOT NULL,
    updated_by     VARCHAR   NOT NULL
);

CREATE TABLE IF NOT EXISTS gmp_cis.cis_udf_value (
    portfolio_code VARCHAR   NOT NULL,
    udf_name       VARCHAR   NOT NULL,
    udf_value      VARCHAR   NOT NULL,   -- canonical text of the typed value
    updated_at     TIMESTAMP NOT NULL,
    updated_by     VARCHAR   NOT NULL,
    PRIMARY KEY (portfolio_code, udf_name)
);

-- Portfolios -----------------------------------------------------------------------------
-- One row per portfolio: the current record. A change to an ACTIVE portfolio is
-- kept in the pending_* columns until a checker approves it.
CREATE TABLE IF NOT EXISTS gmp_cis.cis_portfolio (
    portfolio_code   VARCHAR   PRIMARY KEY,
    portfolio_name   VARCHAR   NOT NULL,
    description      VARCHAR,
    base_currency    VARCHAR   NOT NULL,
    owner            VARCHAR   NOT NULL,
    desk             VARCHAR   NOT NULL,
    status           VARCHAR   NOT NULL
        CHECK (status IN ('DRAFT', 'PENDING_APPROVAL', 'ACTIVE', 'REJECTED', 'INACTIVE')),
    version          BIGINT    NOT NULL,  -- optimistic concurrency: +1 on every change
    change_makers    VARCHAR   NOT NULL,  -- JSON list of users who made the unapproved change
    pending_action   VARCHAR CHECK (pending_action IN ('EDIT', 'DEACTIVATE')),
    pending_status   VARCHAR CHECK (pending_status IN ('DRAFT', 'PENDING_APPROVAL', 'REJECTED')),
    pending_data     VARCHAR,             -- JSON: the proposed record of a pending change
    submitted_by     VARCHAR,
    submitted_at     TIMESTAMP,
    rejection_reason VARCHAR,
    approved_by      VARCHAR,
    approved_at      TIMESTAMP,
    created_by       VARCHAR   NOT NULL,
    created_at       TIMESTAMP NOT NULL,
    updated_by       VARCHAR   NOT NULL,
    updated_at       TIMESTAMP NOT NULL
);

-- Every version of every portfolio, as it stood after each change.
CREATE TABLE IF NOT EXISTS gmp_cis.cis_portfolio_history (
    portfolio_code   VARCHAR   NOT NULL,
    version          BIGINT    NOT NULL,
    action           VARCHAR   NOT NULL,
    actor            VARCHAR   NOT NULL,
    action_at        TIMESTAMP NOT NULL,
    reason           VARCHAR,
    portfolio_name   VARCHAR   NOT NULL,
    description      VARCHAR,
    base_currency    VARCHAR   NOT NULL,
    owner            VARCHAR   NOT NULL,
    desk             VARCHAR   NOT NULL,
    status           VARCHAR   NOT NULL,
    udf_values       VARCHAR   NOT NULL,  -- JSON object
    pending_action   VARCHAR,
    pending_status   VARCHAR,
    pending_data     VARCHAR,
    PRIMARY KEY (portfolio_code, version)
);

-- Audit log: appended to by the library, never updated or deleted ---------------------------
CREATE TABLE IF NOT EXISTS gmp_cis.cis_audit_log (
    event_id    VARCHAR   PRIMARY KEY,
    event_time  TIMESTAMP NOT NULL,
    user_login  VARCHAR   NOT NULL,
    action      VARCHAR   NOT NULL,
    entity_type VARCHAR   NOT NULL,
    entity_id   VARCHAR,
    outcome     VARCHAR   NOT NULL
        CHECK (outcome IN ('SUCCESS', 'DENIED', 'INVALID', 'CONFLICT', 'ERROR')),
    before_json VARCHAR,
    after_json  VARCHAR,
    detail      VARCHAR               -- JSON: error, reason, filters
);

-- Mail outbox: every outgoing mail (alerts, workflow mail, reports), recorded once and sent
-- from here with retries; mail queued with a workflow step commits with it ------------------
CREATE TABLE IF NOT EXISTS gmp_cis.cis_mail_outbox (
    mail_id           VARCHAR   PRIMARY KEY,
    topic             VARCHAR   NOT NULL,  -- gmp.<check>, fx.<kind>, portfolio.<event>, report.<name>, system
    subject           VARCHAR   NOT NULL,
    body_text         VARCHAR   NOT NULL,
    body_html         VARCHAR,
    recipients        VARCHAR   NOT NULL,  -- comma-separated addresses
    headers           VARCHAR,             -- JSON: the X-CisTrade-* headers of the topic
    attachments       VARCHAR,             -- JSON: files read when sending (path, content type)
    dedupe_key        VARCHAR   UNIQUE,
    feed              VARCHAR,             -- what the mail is about, for the reports:
    business_date     DATE,                --   GMP feed and day, report as-of date,
    provider          VARCHAR,             --   FX provider and run,
    run_id            VARCHAR,
    portfolio_code    VARCHAR,             --   portfolio and version,
    portfolio_version BIGINT,
    report            VARCHAR,             --   report name
    status            VARCHAR   NOT NULL
        CHECK (status IN ('PENDING', 'SENDING', 'SENT', 'FAILED', 'NO_RECIPIENTS')),
    attempts          INTEGER   NOT NULL,
    error             VARCHAR,             -- of the last attempt
    message_id        VARCHAR   NOT NULL,  -- the Message-ID header, the same on every attempt
    created_at        TIMESTAMP NOT NULL,
    claimed_at        TIMESTAMP,           -- when a sender took it (SENDING)
    claimed_by        VARCHAR,             -- host:pid of that sender
    sent_at           TIMESTAMP
);

-- sql/duckdb/fx_tables.sql
-- FX rates from the market-data providers (DuckDB). Timestamps are naive UTC.
-- Run by Warehouse.ensure_store_schema() (FxStore.ensure_schema); every statement is
-- idempotent. The Kudu twins of these tables: sql/impala/kudu_tables.sql.
CREATE SCHEMA IF NOT EXISTS gmp_cis;

-- Every good rate ever stored: the history. One row per (pair, provider timestamp,
-- source), so storing the same quote twice keeps one row.
CREATE TABLE IF NOT EXISTS gmp_cis.cis_fx_rate (
    pair        VARCHAR        NOT NULL,  -- base then quote, e.g. EURUSD
    base_ccy    VARCHAR        NOT NULL,  -- ISO 4217
    quote_ccy   VARCHAR        NOT NULL,  -- ISO 4217
    bid         DECIMAL(24, 10) NOT NULL,
    ask         DECIMAL(24, 10) NOT NULL,
    mid         DECIMAL(24, 10) NOT NULL, -- the valuation rate: quote units per base unit
    provider_ts TIMESTAMP      NOT NULL,  -- the provider's quote time
    source      VARCHAR        NOT NULL,  -- bloomberg or reuters
    source_id   VARCHAR        NOT NULL,  -- the provider's instrument: EURUSD BGN Curncy, EUR=
    run_id      VARCHAR        NOT NULL,  -- the load run that stored it
    loaded_at   TIMESTAMP      NOT NULL,
    PRIMARY KEY (pair, provider_ts, source)
);

-- The current rate of each pair: its newest good rate, where Bloomberg, the primary
-- source, has a 5-minute head start: a Reuters rate replaces a Bloomberg one only
-- when it is more than 5 minutes newer (Bloomberg down or lacking the pair, while
-- the Reuters backup run keeps quoting). Keep in step with FxStore.rates_as_of.
CREATE OR REPLACE VIEW gmp_cis.cis_fx_rate_current AS
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

-- Rates that were not stored as good: rejected by a check, or held back after a jump.
CREATE TABLE IF NOT EXISTS gmp_cis.cis_fx_rate_held (
    run_id        VARCHAR        NOT NULL,
    pair          VARCHAR        NOT NULL,
    source        VARCHAR        NOT NULL,
    source_id     VARCHAR,
    bid           DECIMAL(24, 10),
    ask           DECIMAL(24, 10),
    mid           DECIMAL(24, 10),
    provider_ts   TIMESTAMP,
    disposition   VARCHAR        NOT NULL CHECK (disposition IN ('held', 'rejected',
                                                                 'released')),
    check_name    VARCHAR        NOT NULL,  -- crossed, stale_timestamp, jump, ...
    detail        VARCHAR        NOT NULL,
    reference_mid DECIMAL(24, 10),          -- the stored mid a jump was measured against
    recorded_at   TIMESTAMP      NOT NULL
);

-- One row per provider call of a load run: the feed-health record.
CREATE TABLE IF NOT EXISTS gmp_cis.cis_fx_feed_health (
    run_id          VARCHAR   NOT NULL,
    provider        VARCHAR   NOT NULL,
    role            VARCHAR   NOT NULL CHECK (role IN ('primary', 'fallback', 'backup')),
    started_at      TIMESTAMP NOT NULL,
    finished_at     TIMESTAMP NOT NULL,
    pairs_requested INTEGER   NOT NULL,
    pairs_received  INTEGER   NOT NULL,
    pairs_good      INTEGER   NOT NULL,
    pairs_stored    INTEGER   NOT NULL,  -- newly written (a repeated quote is not counted)
    pairs_rejected  INTEGER   NOT NULL,
    pairs_held      INTEGER   NOT NULL,
    attempts        INTEGER   NOT NULL,
    retries         INTEGER   NOT NULL,
    outcome         VARCHAR   NOT NULL,  -- ok, partial, rejected, unavailable, auth_failed, ...
    error           VARCHAR
);

-- One row per load run.
CREATE TABLE IF NOT EXISTS gmp_cis.cis_fx_load_run (
    run_id           VARCHAR   NOT NULL PRIMARY KEY,
    primary_provider VARCHAR   NOT NULL,
    started_at       TIMESTAMP NOT NULL,
    finished_at      TIMESTAMP NOT NULL,
    status           VARCHAR   NOT NULL CHECK (status IN ('ok', 'degraded', 'outage')),
    pairs_requested  INTEGER   NOT NULL,
    pairs_fresh      INTEGER   NOT NULL,
    pairs_stored     INTEGER   NOT NULL,
    pairs_from_fallback INTEGER NOT NULL,
    pairs_missing    INTEGER   NOT NULL,
    message          VARCHAR   NOT NULL
);

-- sql/duckdb/report_tables.sql
-- Every report run and its delivery (DuckDB).
CREATE SCHEMA IF NOT EXISTS gmp_cis;

CREATE TABLE IF NOT EXISTS gmp_cis.cis_report_run (
    report       VARCHAR   NOT NULL,
    as_of        DATE      NOT NULL,
    formats      VARCHAR   NOT NULL,
    folder       VARCHAR   NOT NULL,
    row_count    BIGINT    NOT NULL,
    recipients   VARCHAR,
    sent         BOOLEAN,           -- null: built, not mailed
    zipped       BOOLEAN,
    error        VARCHAR,
    recorded_at  TIMESTAMP NOT NULL
);

-- the release before: the notification outbox and the FX alert log
CREATE TABLE IF NOT EXISTS gmp_cis.cis_notification (
    notification_id   VARCHAR   PRIMARY KEY,
    event             VARCHAR   NOT NULL,
    portfolio_code    VARCHAR,
    portfolio_version BIGINT,
    recipients        VARCHAR   NOT NULL,  -- comma-separated addresses
    subject           VARCHAR   NOT NULL,
    body_text         VARCHAR   NOT NULL,
    body_html         VARCHAR   NOT NULL,
    dedupe_key        VARCHAR   UNIQUE,
    status            VARCHAR   NOT NULL
        CHECK (status IN ('PENDING', 'SENDING', 'SENT', 'SPOOLED', 'NO_RECIPIENTS')),
    attempts          INTEGER   NOT NULL,
    error             VARCHAR,
    spool_file        VARCHAR,
    message_id        VARCHAR,
    created_at        TIMESTAMP NOT NULL,
    sent_at           TIMESTAMP
);

CREATE TABLE IF NOT EXISTS gmp_cis.cis_fx_alert (
    run_id     VARCHAR   NOT NULL,
    kind       VARCHAR   NOT NULL,  -- auth, fallback, outage, held, rejected, coverage, divergence
    provider   VARCHAR,
    subject    VARCHAR   NOT NULL,
    recipients VARCHAR   NOT NULL,
    sent       BOOLEAN   NOT NULL,
    error      VARCHAR,
    raised_at  TIMESTAMP NOT NULL
);
