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
    recorded_at       TIMESTAMP NOT NULL,
    released_by       VARCHAR,  -- who released a held feed in the Airflow UI
    released_at       TIMESTAMP
);
-- warehouses created before the release columns
ALTER TABLE gmp_cis.gmp_load_history ADD COLUMN IF NOT EXISTS released_by VARCHAR;
ALTER TABLE gmp_cis.gmp_load_history ADD COLUMN IF NOT EXISTS released_at TIMESTAMP;

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
