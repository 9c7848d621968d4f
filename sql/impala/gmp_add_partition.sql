-- Register one loaded day of a GMP feed table (Impala: the statement updates the
-- metastore and the catalog). Until it runs the day is invisible; re-running is a no-op.
-- ${table}: the table; :business_date, :location: the partition and its directory.
ALTER TABLE ${table} ADD IF NOT EXISTS PARTITION (business_date = :business_date)
LOCATION :location;
