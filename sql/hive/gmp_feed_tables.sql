-- Generated from cistrade_core.feeds.definitions by `cistrade sql render`.
-- Do not edit by hand; tests/warehouse/test_hive_sql.py checks it is in sync.
-- ${gmp_data_uri}: the directory (URI) holding one directory per table,
-- e.g. hdfs://nameservice1/data/gmp_cis; the GMP load writes the day's
-- header-less pipe-delimited file under <table>/business_date=YYYY-MM-DD/.
CREATE DATABASE IF NOT EXISTS gmp_cis;

CREATE EXTERNAL TABLE IF NOT EXISTS gmp_cis.gmp_cis_sta_dly_currency (
    currency_code STRING COMMENT 'char(3): ISO 4217 alphabetic code',
    currency_name STRING COMMENT 'string: currency name',
    numeric_code STRING COMMENT 'char(3): ISO 4217 numeric code',
    minor_units INT COMMENT 'int: decimal places, empty for e.g. XAU',
    is_active STRING COMMENT 'char(1): Y or N'
)
COMMENT 'GMP feed currency: ISO 4217 currencies'
PARTITIONED BY (business_date DATE)
ROW FORMAT DELIMITED FIELDS TERMINATED BY '|' LINES TERMINATED BY '\n'
STORED AS TEXTFILE
LOCATION '${gmp_data_uri}/gmp_cis_sta_dly_currency'
TBLPROPERTIES ('serialization.null.format' = '');
CREATE VIEW IF NOT EXISTS gmp_cis.gmp_cis_sta_dly_currency_current AS
SELECT * FROM gmp_cis.gmp_cis_sta_dly_currency
WHERE business_date = (SELECT max(business_date) FROM gmp_cis.gmp_cis_sta_dly_currency);

CREATE EXTERNAL TABLE IF NOT EXISTS gmp_cis.gmp_cis_sta_dly_country (
    country_code STRING COMMENT 'char(2): ISO 3166-1 alpha-2 code',
    country_code3 STRING COMMENT 'char(3): ISO 3166-1 alpha-3 code',
    numeric_code STRING COMMENT 'char(3): ISO 3166-1 numeric code',
    country_name STRING COMMENT 'string: country name',
    currency_code STRING COMMENT 'char(3): main currency',
    region STRING COMMENT 'string: region, may be empty'
)
COMMENT 'GMP feed country: ISO 3166-1 countries'
PARTITIONED BY (business_date DATE)
ROW FORMAT DELIMITED FIELDS TERMINATED BY '|' LINES TERMINATED BY '\n'
STORED AS TEXTFILE
LOCATION '${gmp_data_uri}/gmp_cis_sta_dly_country'
TBLPROPERTIES ('serialization.null.format' = '');
CREATE VIEW IF NOT EXISTS gmp_cis.gmp_cis_sta_dly_country_current AS
SELECT * FROM gmp_cis.gmp_cis_sta_dly_country
WHERE business_date = (SELECT max(business_date) FROM gmp_cis.gmp_cis_sta_dly_country);

CREATE EXTERNAL TABLE IF NOT EXISTS gmp_cis.gmp_cis_sta_dly_calendar (
    calendar_code STRING COMMENT 'string: country or financial-centre code (GB, USNY, TARGET)',
    holiday_date DATE COMMENT 'date: the holiday',
    holiday_name STRING COMMENT 'string: name of the holiday'
)
COMMENT 'GMP feed calendar: holiday calendars per country or financial centre'
PARTITIONED BY (business_date DATE)
ROW FORMAT DELIMITED FIELDS TERMINATED BY '|' LINES TERMINATED BY '\n'
STORED AS TEXTFILE
LOCATION '${gmp_data_uri}/gmp_cis_sta_dly_calendar'
TBLPROPERTIES ('serialization.null.format' = '');
CREATE VIEW IF NOT EXISTS gmp_cis.gmp_cis_sta_dly_calendar_current AS
SELECT * FROM gmp_cis.gmp_cis_sta_dly_calendar
WHERE business_date = (SELECT max(business_date) FROM gmp_cis.gmp_cis_sta_dly_calendar);

CREATE EXTERNAL TABLE IF NOT EXISTS gmp_cis.gmp_cis_sta_dly_counterparty (
    counterparty_id STRING COMMENT 'string: GMP identifier',
    lei STRING COMMENT 'char(20): ISO 17442 Legal Entity Identifier',
    legal_name STRING COMMENT 'string: registered name',
    short_name STRING COMMENT 'string: short name, may be empty',
    country_code STRING COMMENT 'char(2): country of domicile',
    counterparty_type STRING COMMENT 'string: kind of entity',
    parent_id STRING COMMENT 'string: parent counterparty, may be empty',
    status STRING COMMENT 'string: lifecycle status',
    updated_at TIMESTAMP COMMENT 'timestamp: last change in GMP (UTC)'
)
COMMENT 'GMP feed counterparty: legal entities CisTrade trades with'
PARTITIONED BY (business_date DATE)
ROW FORMAT DELIMITED FIELDS TERMINATED BY '|' LINES TERMINATED BY '\n'
STORED AS TEXTFILE
LOCATION '${gmp_data_uri}/gmp_cis_sta_dly_counterparty'
TBLPROPERTIES ('serialization.null.format' = '');
CREATE VIEW IF NOT EXISTS gmp_cis.gmp_cis_sta_dly_counterparty_current AS
SELECT * FROM gmp_cis.gmp_cis_sta_dly_counterparty
WHERE business_date = (SELECT max(business_date) FROM gmp_cis.gmp_cis_sta_dly_counterparty);
