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
