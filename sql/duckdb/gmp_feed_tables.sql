-- Generated from cistrade_core.feeds.definitions by `cistrade sql render`.
-- Do not edit by hand; tests/warehouse/test_ddl.py checks it is in sync.
CREATE SCHEMA IF NOT EXISTS gmp_cis;

CREATE TABLE IF NOT EXISTS gmp_cis.gmp_cis_sta_dly_currency (
    business_date DATE NOT NULL,
    currency_code VARCHAR NOT NULL,  -- char(3): ISO 4217 alphabetic code
    currency_name VARCHAR NOT NULL,  -- string: currency name
    numeric_code VARCHAR NOT NULL,  -- char(3): ISO 4217 numeric code
    minor_units INTEGER,  -- int: decimal places, empty for e.g. XAU
    is_active VARCHAR NOT NULL  -- char(1): Y or N
);
CREATE OR REPLACE VIEW gmp_cis.gmp_cis_sta_dly_currency_current AS
    SELECT * FROM gmp_cis.gmp_cis_sta_dly_currency
    WHERE business_date = (SELECT max(business_date) FROM gmp_cis.gmp_cis_sta_dly_currency);

CREATE TABLE IF NOT EXISTS gmp_cis.gmp_cis_sta_dly_country (
    business_date DATE NOT NULL,
    country_code VARCHAR NOT NULL,  -- char(2): ISO 3166-1 alpha-2 code
    country_code3 VARCHAR NOT NULL,  -- char(3): ISO 3166-1 alpha-3 code
    numeric_code VARCHAR NOT NULL,  -- char(3): ISO 3166-1 numeric code
    country_name VARCHAR NOT NULL,  -- string: country name
    currency_code VARCHAR,  -- char(3): main currency
    region VARCHAR  -- string: region, may be empty
);
CREATE OR REPLACE VIEW gmp_cis.gmp_cis_sta_dly_country_current AS
    SELECT * FROM gmp_cis.gmp_cis_sta_dly_country
    WHERE business_date = (SELECT max(business_date) FROM gmp_cis.gmp_cis_sta_dly_country);

CREATE TABLE IF NOT EXISTS gmp_cis.gmp_cis_sta_dly_calendar (
    business_date DATE NOT NULL,
    calendar_code VARCHAR NOT NULL,  -- string: country or financial-centre code (GB, USNY, TARGET)
    holiday_date DATE NOT NULL,  -- date: the holiday
    holiday_name VARCHAR NOT NULL  -- string: name of the holiday
);
CREATE OR REPLACE VIEW gmp_cis.gmp_cis_sta_dly_calendar_current AS
    SELECT * FROM gmp_cis.gmp_cis_sta_dly_calendar
    WHERE business_date = (SELECT max(business_date) FROM gmp_cis.gmp_cis_sta_dly_calendar);

CREATE TABLE IF NOT EXISTS gmp_cis.gmp_cis_sta_dly_counterparty (
    business_date DATE NOT NULL,
    counterparty_id VARCHAR NOT NULL,  -- string: GMP identifier
    lei VARCHAR,  -- char(20): ISO 17442 Legal Entity Identifier
    legal_name VARCHAR NOT NULL,  -- string: registered name
    short_name VARCHAR,  -- string: short name, may be empty
    country_code VARCHAR NOT NULL,  -- char(2): country of domicile
    counterparty_type VARCHAR NOT NULL,  -- string: kind of entity
    parent_id VARCHAR,  -- string: parent counterparty, may be empty
    status VARCHAR NOT NULL,  -- string: lifecycle status
    updated_at TIMESTAMP NOT NULL  -- timestamp: last change in GMP (UTC)
);
CREATE OR REPLACE VIEW gmp_cis.gmp_cis_sta_dly_counterparty_current AS
    SELECT * FROM gmp_cis.gmp_cis_sta_dly_counterparty
    WHERE business_date = (SELECT max(business_date) FROM gmp_cis.gmp_cis_sta_dly_counterparty);
