-- Load history and alert log of the GMP reference-data load (Impala).
-- Managed Parquet tables, as in Hive: a few rows a day, appended with INSERT.
-- Each INSERT ... VALUES writes one small file; compact yearly with
-- INSERT OVERWRITE ... SELECT if the file count matters (README, "Production engines").
-- Timestamps are naive UTC. The column order matters: the alert log is written
-- with INSERT ... VALUES without a column list.
CREATE DATABASE IF NOT EXISTS gmp_cis;

CREATE TABLE IF NOT EXISTS gmp_cis.gmp_load_history (
    feed              STRING    COMMENT 'currency, country, calendar or counterparty',
    business_date     DATE,
    extract_timestamp TIMESTAMP COMMENT 'from the control file, UTC',
    row_count         BIGINT,
    status            STRING    COMMENT 'loaded, rejected or held',
    reason            STRING,
    override          BOOLEAN   COMMENT 'row-count change accepted by an operator',
    recorded_at       TIMESTAMP,
    released_by       STRING    COMMENT 'who released a held feed in the Airflow UI',
    released_at       TIMESTAMP COMMENT 'when it was released, UTC'
)
COMMENT 'One row per attempt to load one GMP feed for one business day'
STORED AS PARQUET;

CREATE TABLE IF NOT EXISTS gmp_cis.gmp_alert_log (
    kind          STRING,
    feed          STRING,
    business_date DATE,
    subject       STRING,
    recipients    STRING,
    sent          BOOLEAN,
    error         STRING,
    raised_at     TIMESTAMP
)
COMMENT 'Every alert the GMP load raised, sent or spooled'
STORED AS PARQUET;
