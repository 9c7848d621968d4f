-- Core tables: ACL, sessions, portfolios with their history, UDFs, audit log and
-- the mail outbox (DuckDB). Timestamps are naive UTC. JSON is kept as text
-- so the same columns map onto Kudu STRING columns.
-- Generated from cistrade_core.warehouse.definitions by `cistrade sql render`;
-- do not edit by hand (tests/warehouse/test_table_ddl.py checks it is in sync).
CREATE SCHEMA IF NOT EXISTS gmp_cis;

-- ACL
CREATE TABLE IF NOT EXISTS gmp_cis.cis_acl_group (
    group_id        BIGINT    NOT NULL,
    group_name      VARCHAR   NOT NULL UNIQUE,
    description     VARCHAR,
    parent_group_id BIGINT,  -- permissions of ancestor groups are inherited
    created_at      TIMESTAMP NOT NULL,
    created_by      VARCHAR   NOT NULL,
    PRIMARY KEY (group_id)
);

CREATE TABLE IF NOT EXISTS gmp_cis.cis_acl_user (
    user_id       BIGINT    NOT NULL,
    user_login    VARCHAR   NOT NULL UNIQUE,  -- unique; enforced by the library
    user_name     VARCHAR   NOT NULL,
    user_email    VARCHAR   NOT NULL,
    password_hash VARCHAR   NOT NULL,  -- Argon2id (older: scrypt) hash, never the password
    enabled       BOOLEAN   NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    created_by    VARCHAR   NOT NULL,
    updated_at    TIMESTAMP NOT NULL,
    updated_by    VARCHAR   NOT NULL,
    PRIMARY KEY (user_id)
);

CREATE TABLE IF NOT EXISTS gmp_cis.cis_acl_user_group (
    user_id    BIGINT    NOT NULL,
    group_id   BIGINT    NOT NULL,
    is_primary BOOLEAN   NOT NULL,  -- the group shown in the session data
    added_at   TIMESTAMP NOT NULL,
    added_by   VARCHAR   NOT NULL,
    PRIMARY KEY (user_id, group_id)
);

CREATE TABLE IF NOT EXISTS gmp_cis.cis_acl_permission (
    group_id     BIGINT    NOT NULL,
    resource     VARCHAR   NOT NULL,  -- cis-portfolio, cis-udf, cis-audit, ...
    access_level VARCHAR   NOT NULL CHECK (access_level IN ('READ', 'WRITE', 'READ_WRITE')),  -- READ, WRITE or READ_WRITE
    granted_at   TIMESTAMP NOT NULL,
    granted_by   VARCHAR   NOT NULL,
    PRIMARY KEY (group_id, resource)
);

-- User-defined fields
CREATE TABLE IF NOT EXISTS gmp_cis.cis_udf_master (
    udf_name       VARCHAR   NOT NULL,
    label          VARCHAR   NOT NULL,
    data_type      VARCHAR   NOT NULL CHECK (data_type IN ('STRING', 'INTEGER', 'DECIMAL', 'DATE', 'BOOLEAN', 'ENUM')),  -- STRING, INTEGER, DECIMAL, DATE, BOOLEAN or ENUM
    allowed_values VARCHAR,  -- JSON list, for ENUM
    mandatory      BOOLEAN   NOT NULL,
    default_value  VARCHAR,
    active         BOOLEAN   NOT NULL,
    created_at     TIMESTAMP NOT NULL,
    created_by     VARCHAR   NOT NULL,
    updated_at     TIMESTAMP NOT NULL,
    updated_by     VARCHAR   NOT NULL,
    PRIMARY KEY (udf_name)
);

CREATE TABLE IF NOT EXISTS gmp_cis.cis_udf_value (
    portfolio_code VARCHAR   NOT NULL,
    udf_name       VARCHAR   NOT NULL,
    udf_value      VARCHAR   NOT NULL,  -- canonical text of the typed value
    updated_at     TIMESTAMP NOT NULL,
    updated_by     VARCHAR   NOT NULL,
    PRIMARY KEY (portfolio_code, udf_name)
);

-- Portfolios
-- The current record of each portfolio. status changes with every workflow step,
-- so it is not a key (nor a partition) column; WHERE status = ... is evaluated by Kudu.
CREATE TABLE IF NOT EXISTS gmp_cis.cis_portfolio (
    portfolio_code   VARCHAR   NOT NULL,
    portfolio_name   VARCHAR   NOT NULL,
    description      VARCHAR,
    base_currency    VARCHAR   NOT NULL,
    owner            VARCHAR   NOT NULL,
    desk             VARCHAR   NOT NULL,
    status           VARCHAR   NOT NULL CHECK (status IN ('DRAFT', 'PENDING_APPROVAL', 'ACTIVE', 'REJECTED', 'INACTIVE')),  -- DRAFT, PENDING_APPROVAL, ACTIVE, REJECTED or INACTIVE
    version          BIGINT    NOT NULL,  -- optimistic concurrency: +1 on every change
    change_makers    VARCHAR   NOT NULL,  -- JSON list of the makers of the pending change
    pending_action   VARCHAR   CHECK (pending_action IN ('EDIT', 'DEACTIVATE')),  -- EDIT or DEACTIVATE
    pending_status   VARCHAR   CHECK (pending_status IN ('DRAFT', 'PENDING_APPROVAL', 'REJECTED')),  -- DRAFT, PENDING_APPROVAL or REJECTED
    pending_data     VARCHAR,  -- JSON: the proposed record
    submitted_by     VARCHAR,
    submitted_at     TIMESTAMP,
    rejection_reason VARCHAR,
    approved_by      VARCHAR,
    approved_at      TIMESTAMP,
    created_by       VARCHAR   NOT NULL,
    created_at       TIMESTAMP NOT NULL,
    updated_by       VARCHAR   NOT NULL,
    updated_at       TIMESTAMP NOT NULL,
    PRIMARY KEY (portfolio_code)
);

-- Every version of every portfolio, as it stood after each change. Append-only:
-- action_at is in the key so that the table can be range partitioned by date.
CREATE TABLE IF NOT EXISTS gmp_cis.cis_portfolio_history (
    portfolio_code VARCHAR   NOT NULL,
    version        BIGINT    NOT NULL,
    action         VARCHAR   NOT NULL,
    actor          VARCHAR   NOT NULL,
    action_at      TIMESTAMP NOT NULL,
    reason         VARCHAR,
    portfolio_name VARCHAR   NOT NULL,
    description    VARCHAR,
    base_currency  VARCHAR   NOT NULL,
    owner          VARCHAR   NOT NULL,
    desk           VARCHAR   NOT NULL,
    status         VARCHAR   NOT NULL,
    udf_values     VARCHAR   NOT NULL,  -- JSON object
    pending_action VARCHAR,
    pending_status VARCHAR,
    pending_data   VARCHAR,
    PRIMARY KEY (portfolio_code, version)
);

-- Audit log: appended to, never updated or deleted
CREATE TABLE IF NOT EXISTS gmp_cis.cis_audit_log (
    event_id    VARCHAR   NOT NULL,
    event_time  TIMESTAMP NOT NULL,
    user_login  VARCHAR   NOT NULL,
    action      VARCHAR   NOT NULL,
    entity_type VARCHAR   NOT NULL,
    entity_id   VARCHAR,
    outcome     VARCHAR   NOT NULL CHECK (outcome IN ('SUCCESS', 'DENIED', 'INVALID', 'CONFLICT', 'ERROR')),  -- SUCCESS, DENIED, INVALID, CONFLICT or ERROR
    before_json VARCHAR,
    after_json  VARCHAR,
    detail      VARCHAR,  -- JSON: error, reason, filters
    PRIMARY KEY (event_id)
);

-- ACL sessions: the SHA-256 of the token, never the token
CREATE TABLE IF NOT EXISTS gmp_cis.cis_acl_session (
    session_id   VARCHAR   NOT NULL,  -- SHA-256 of the token
    user_id      BIGINT    NOT NULL,
    user_login   VARCHAR   NOT NULL,
    session_data VARCHAR   NOT NULL,  -- JSON: user, primary group, permission map
    created_at   TIMESTAMP NOT NULL,
    expires_at   TIMESTAMP NOT NULL,
    revoked_at   TIMESTAMP,
    PRIMARY KEY (session_id)
);

-- Failed logins per key (login:<login>, client:<address>): back-off and lockout
CREATE TABLE IF NOT EXISTS gmp_cis.cis_acl_login_throttle (
    throttle_key    VARCHAR   NOT NULL,  -- login:<login> or client:<address>
    failures        INTEGER   NOT NULL,
    last_failure_at TIMESTAMP NOT NULL,
    locked_until    TIMESTAMP,
    PRIMARY KEY (throttle_key)
);

-- API clients (OAuth 2.0 client credentials): the secret is the service account's hash
CREATE TABLE IF NOT EXISTS gmp_cis.cis_api_client (
    client_id   VARCHAR   NOT NULL,  -- also the login of its service account
    group_name  VARCHAR   NOT NULL,  -- the ACL group the client acts in
    description VARCHAR,
    created_at  TIMESTAMP NOT NULL,
    created_by  VARCHAR   NOT NULL,
    PRIMARY KEY (client_id)
);

-- One row per change to users, groups, grants or sessions, in the change's transaction: the API re-reads a session's access when the count moves
CREATE TABLE IF NOT EXISTS gmp_cis.cis_acl_change (
    change_id  VARCHAR   NOT NULL,
    changed_at TIMESTAMP NOT NULL,
    changed_by VARCHAR   NOT NULL,
    action     VARCHAR   NOT NULL,  -- USER_DISABLE, PERMISSION_REVOKE, ...
    PRIMARY KEY (change_id)
);

-- Mail outbox: every outgoing mail (alerts, workflow mail, reports), sent from here
CREATE TABLE IF NOT EXISTS gmp_cis.cis_mail_outbox (
    mail_id           VARCHAR   NOT NULL,
    topic             VARCHAR   NOT NULL,  -- gmp.<check>, fx.<kind>, portfolio.<event>, report.<name> or system
    subject           VARCHAR   NOT NULL,
    body_text         VARCHAR   NOT NULL,
    body_html         VARCHAR,
    recipients        VARCHAR   NOT NULL,  -- comma-separated addresses
    headers           VARCHAR,  -- JSON: the X-CisTrade-* headers of the topic
    attachments       VARCHAR,  -- JSON: files read when sending
    dedupe_key        VARCHAR   UNIQUE,  -- unique; enforced by the library
    feed              VARCHAR,
    business_date     DATE,
    provider          VARCHAR,
    run_id            VARCHAR,
    portfolio_code    VARCHAR,
    portfolio_version BIGINT,
    report            VARCHAR,
    status            VARCHAR   NOT NULL CHECK (status IN ('PENDING', 'SENDING', 'SENT', 'FAILED', 'NO_RECIPIENTS')),  -- PENDING, SENDING, SENT, FAILED or NO_RECIPIENTS
    attempts          INTEGER   NOT NULL,
    error             VARCHAR,  -- of the last attempt
    message_id        VARCHAR   NOT NULL,  -- the same on every attempt
    created_at        TIMESTAMP NOT NULL,
    claimed_at        TIMESTAMP,
    claimed_by        VARCHAR,  -- host:pid of the sender
    sent_at           TIMESTAMP,
    PRIMARY KEY (mail_id)
);
