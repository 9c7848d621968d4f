-- Load history of the GMP reference-data load (DuckDB).
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
