-- Add one year's range partition to the date-partitioned Kudu tables, ahead of the
-- year (a row outside every range is refused). Idempotent.
-- :year_start, :year_end: 'YYYY-01-01 00:00:00' of the year and of the next one.
ALTER TABLE gmp_cis.cis_portfolio_history
    ADD IF NOT EXISTS RANGE PARTITION :year_start <= VALUES < :year_end;
ALTER TABLE gmp_cis.cis_audit_log
    ADD IF NOT EXISTS RANGE PARTITION :year_start <= VALUES < :year_end;
ALTER TABLE gmp_cis.cis_fx_rate
    ADD IF NOT EXISTS RANGE PARTITION :year_start <= VALUES < :year_end;
