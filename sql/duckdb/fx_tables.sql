-- FX rates from the market-data providers (DuckDB). Timestamps are naive UTC.
-- Generated from cistrade_core.warehouse.definitions by `cistrade sql render`;
-- do not edit by hand (tests/warehouse/test_table_ddl.py checks it is in sync).
CREATE SCHEMA IF NOT EXISTS gmp_cis;

-- FX rates: every good rate stored, one row per (pair, provider timestamp, source)
CREATE TABLE IF NOT EXISTS gmp_cis.cis_fx_rate (
    pair        VARCHAR         NOT NULL,  -- base then quote, e.g. EURUSD
    base_ccy    VARCHAR         NOT NULL,
    quote_ccy   VARCHAR         NOT NULL,
    bid         DECIMAL(24, 10) NOT NULL,
    ask         DECIMAL(24, 10) NOT NULL,
    mid         DECIMAL(24, 10) NOT NULL,  -- the valuation rate
    provider_ts TIMESTAMP       NOT NULL,  -- quote time at the provider
    source      VARCHAR         NOT NULL,  -- bloomberg or reuters
    source_id   VARCHAR         NOT NULL,  -- instrument at the provider, e.g. EURUSD BGN Curncy
    run_id      VARCHAR         NOT NULL,
    loaded_at   TIMESTAMP       NOT NULL,
    PRIMARY KEY (pair, provider_ts, source)
);

-- FX rates that were not stored as good: rejected, or held back after a jump
CREATE TABLE IF NOT EXISTS gmp_cis.cis_fx_rate_held (
    run_id        VARCHAR         NOT NULL,
    pair          VARCHAR         NOT NULL,
    source        VARCHAR         NOT NULL,
    source_id     VARCHAR,
    bid           DECIMAL(24, 10),
    ask           DECIMAL(24, 10),
    mid           DECIMAL(24, 10),
    provider_ts   TIMESTAMP,
    disposition   VARCHAR         NOT NULL CHECK (disposition IN ('held', 'rejected', 'released')),  -- held, rejected or released
    check_name    VARCHAR         NOT NULL,
    detail        VARCHAR         NOT NULL,
    reference_mid DECIMAL(24, 10),  -- the stored mid a jump was measured against
    recorded_at   TIMESTAMP       NOT NULL
);

-- One row per provider call of an FX load run: the feed-health record
CREATE TABLE IF NOT EXISTS gmp_cis.cis_fx_feed_health (
    run_id          VARCHAR   NOT NULL,
    provider        VARCHAR   NOT NULL,
    role            VARCHAR   NOT NULL CHECK (role IN ('primary', 'fallback', 'backup')),  -- primary, fallback or backup (reserved word)
    started_at      TIMESTAMP NOT NULL,
    finished_at     TIMESTAMP NOT NULL,
    pairs_requested INTEGER   NOT NULL,
    pairs_received  INTEGER   NOT NULL,
    pairs_good      INTEGER   NOT NULL,
    pairs_stored    INTEGER   NOT NULL,
    pairs_rejected  INTEGER   NOT NULL,
    pairs_held      INTEGER   NOT NULL,
    attempts        INTEGER   NOT NULL,
    retries         INTEGER   NOT NULL,
    outcome         VARCHAR   NOT NULL,
    error           VARCHAR
);

-- One row per FX load run
CREATE TABLE IF NOT EXISTS gmp_cis.cis_fx_load_run (
    run_id              VARCHAR   NOT NULL,
    primary_provider    VARCHAR   NOT NULL,
    started_at          TIMESTAMP NOT NULL,
    finished_at         TIMESTAMP NOT NULL,
    status              VARCHAR   NOT NULL CHECK (status IN ('ok', 'degraded', 'outage')),  -- ok, degraded or outage
    pairs_requested     INTEGER   NOT NULL,
    pairs_fresh         INTEGER   NOT NULL,
    pairs_stored        INTEGER   NOT NULL,
    pairs_from_fallback INTEGER   NOT NULL,
    pairs_missing       INTEGER   NOT NULL,
    message             VARCHAR   NOT NULL,
    PRIMARY KEY (run_id)
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
