-- Every report run and its delivery (DuckDB).
-- Generated from cistrade_core.warehouse.definitions by `cistrade sql render`;
-- do not edit by hand (tests/warehouse/test_table_ddl.py checks it is in sync).
CREATE SCHEMA IF NOT EXISTS gmp_cis;

-- Every report run and its delivery
CREATE TABLE IF NOT EXISTS gmp_cis.cis_report_run (
    report      VARCHAR   NOT NULL,
    as_of       DATE      NOT NULL,
    formats     VARCHAR   NOT NULL,
    folder      VARCHAR   NOT NULL,
    row_count   BIGINT    NOT NULL,
    recipients  VARCHAR,
    sent        BOOLEAN,  -- null: built, not mailed
    zipped      BOOLEAN,
    error       VARCHAR,
    recorded_at TIMESTAMP NOT NULL
);
