-- Load history of the GMP reference-data load (Impala).
-- Managed Parquet tables, as in Hive: a few rows a day, appended with INSERT.
-- Each INSERT ... VALUES writes one small file; compact yearly with
-- INSERT OVERWRITE ... SELECT if the file count matters (README, "Production engines").
-- Timestamps are naive UTC.
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
