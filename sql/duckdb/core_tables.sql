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
    password_hash VARCHAR   NOT NULL,    -- Argon2id PHC string (older: scrypt$...), never the password
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

CREATE TABLE IF NOT EXISTS gmp_cis.cis_api_client (
    client_id    VARCHAR   PRIMARY KEY,  -- also the login of its service account (cis_acl_user)
    group_name   VARCHAR   NOT NULL,     -- the ACL group the client acts in
    description  VARCHAR,
    created_at   TIMESTAMP NOT NULL,
    created_by   VARCHAR   NOT NULL
);

-- Failed logins per key (login:<login>, client:<address>): back-off and lockout
CREATE TABLE IF NOT EXISTS gmp_cis.cis_acl_login_throttle (
    throttle_key    VARCHAR   PRIMARY KEY,
    failures        INTEGER   NOT NULL,
    last_failure_at TIMESTAMP NOT NULL,
    locked_until    TIMESTAMP
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
