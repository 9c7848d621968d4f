-- FX rates from the market-data providers (DuckDB). Timestamps are naive UTC.
-- Run by Warehouse.ensure_store_schema() (FxStore.ensure_schema); every statement is
-- idempotent. The Kudu twins of these tables: sql/impala/kudu_tables.sql.
CREATE SCHEMA IF NOT EXISTS gmp_cis;

-- Every good rate ever stored: the history. One row per (pair, provider timestamp,
-- source), so storing the same quote twice keeps one row.
CREATE TABLE IF NOT EXISTS gmp_cis.cis_fx_rate (
    pair        VARCHAR        NOT NULL,  -- base then quote, e.g. EURUSD
    base_ccy    VARCHAR        NOT NULL,  -- ISO 4217
    quote_ccy   VARCHAR        NOT NULL,  -- ISO 4217
    bid         DECIMAL(24, 10) NOT NULL,
    ask         DECIMAL(24, 10) NOT NULL,
    mid         DECIMAL(24, 10) NOT NULL, -- the valuation rate: quote units per base unit
    provider_ts TIMESTAMP      NOT NULL,  -- the provider's quote time
    source      VARCHAR        NOT NULL,  -- bloomberg or reuters
    source_id   VARCHAR        NOT NULL,  -- the provider's instrument: EURUSD BGN Curncy, EUR=
    run_id      VARCHAR        NOT NULL,  -- the load run that stored it
    loaded_at   TIMESTAMP      NOT NULL,
    PRIMARY KEY (pair, provider_ts, source)
);

-- The current rate of each pair: its newest good rate, where Bloomberg, the primary
-- source, has a 5-minute head start: a Reuters rate replaces a Bloomberg one only
-- when it is more than 5 minutes newer (Bloomberg down or lacking the pair, while
-- the Reuters backup run keeps quoting). Keep in step with FxStore.rates_as_of.
CREATE OR REPLACE VIEW gmp_cis.cis_fx_rate_current AS
SELECT pair, base_ccy, quote_ccy, bid, ask, mid, provider_ts, source, source_id, run_id,
       loaded_at
FROM (
    SELECT r.*,
           row_number() OVER (
               PARTITION BY pair
               ORDER BY CASE source WHEN 'bloomberg' THEN provider_ts + INTERVAL 5 MINUTES
                                         ELSE provider_ts END DESC,
                        provider_ts DESC
           ) AS rank_in_pair
    FROM gmp_cis.cis_fx_rate AS r
) AS ranked
WHERE rank_in_pair = 1;

-- Rates that were not stored as good: rejected by a check, or held back after a jump.
CREATE TABLE IF NOT EXISTS gmp_cis.cis_fx_rate_held (
    run_id        VARCHAR        NOT NULL,
    pair          VARCHAR        NOT NULL,
    source        VARCHAR        NOT NULL,
    source_id     VARCHAR,
    bid           DECIMAL(24, 10),
    ask           DECIMAL(24, 10),
    mid           DECIMAL(24, 10),
    provider_ts   TIMESTAMP,
    disposition   VARCHAR        NOT NULL CHECK (disposition IN ('held', 'rejected',
                                                                 'released')),
    check_name    VARCHAR        NOT NULL,  -- crossed, stale_timestamp, jump, ...
    detail        VARCHAR        NOT NULL,
    reference_mid DECIMAL(24, 10),          -- the stored mid a jump was measured against
    recorded_at   TIMESTAMP      NOT NULL
);

-- One row per provider call of a load run: the feed-health record.
CREATE TABLE IF NOT EXISTS gmp_cis.cis_fx_feed_health (
    run_id          VARCHAR   NOT NULL,
    provider        VARCHAR   NOT NULL,
    role            VARCHAR   NOT NULL CHECK (role IN ('primary', 'fallback', 'backup')),
    started_at      TIMESTAMP NOT NULL,
    finished_at     TIMESTAMP NOT NULL,
    pairs_requested INTEGER   NOT NULL,
    pairs_received  INTEGER   NOT NULL,
    pairs_good      INTEGER   NOT NULL,
    pairs_stored    INTEGER   NOT NULL,  -- newly written (a repeated quote is not counted)
    pairs_rejected  INTEGER   NOT NULL,
    pairs_held      INTEGER   NOT NULL,
    attempts        INTEGER   NOT NULL,
    retries         INTEGER   NOT NULL,
    outcome         VARCHAR   NOT NULL,  -- ok, partial, rejected, unavailable, auth_failed, ...
    error           VARCHAR
);

-- One row per load run.
CREATE TABLE IF NOT EXISTS gmp_cis.cis_fx_load_run (
    run_id           VARCHAR   NOT NULL PRIMARY KEY,
    primary_provider VARCHAR   NOT NULL,
    started_at       TIMESTAMP NOT NULL,
    finished_at      TIMESTAMP NOT NULL,
    status           VARCHAR   NOT NULL CHECK (status IN ('ok', 'degraded', 'outage')),
    pairs_requested  INTEGER   NOT NULL,
    pairs_fresh      INTEGER   NOT NULL,
    pairs_stored     INTEGER   NOT NULL,
    pairs_from_fallback INTEGER NOT NULL,
    pairs_missing    INTEGER   NOT NULL,
    message          VARCHAR   NOT NULL
);
