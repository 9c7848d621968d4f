-- Register one loaded day of a GMP feed table. Until this runs the day's
-- directory is invisible to readers; re-running it is a no-op.
-- ${table}: the table; :business_date, :location: the partition and its directory.
ALTER TABLE ${table} ADD IF NOT EXISTS PARTITION (business_date = :business_date)
LOCATION :location;
