-- Make Impala load the file list of one partition after the load replaced its
-- file (Impala caches file metadata). Cheap: only that partition is reloaded.
REFRESH ${table} PARTITION (business_date = :business_date);
