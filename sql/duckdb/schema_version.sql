-- The migrations applied to this warehouse (cistrade_core.schema; `cistrade db upgrade`).
CREATE SCHEMA IF NOT EXISTS gmp_cis;
CREATE TABLE IF NOT EXISTS gmp_cis.cis_schema_version (
    version     INTEGER   NOT NULL,
    description VARCHAR   NOT NULL,
    applied_at  TIMESTAMP NOT NULL
);
