-- The first load of a table: make Impala drop whatever it cached about the table
-- (or learn of it, if it was created outside Impala, e.g. with Hive) and reload
-- all of its metadata on the next use.
INVALIDATE METADATA ${table};
