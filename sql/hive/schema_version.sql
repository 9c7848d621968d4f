-- The migrations applied to this warehouse (cistrade_core.schema; `cistrade db upgrade`).
CREATE DATABASE IF NOT EXISTS gmp_cis;
CREATE TABLE IF NOT EXISTS gmp_cis.cis_schema_version (
    version     INT,
    description STRING,
    applied_at  TIMESTAMP
)
STORED AS PARQUET;
