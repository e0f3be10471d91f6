-- History retention prunes old tasks by submission time; this index finds them without a scan.
CREATE INDEX job_by_submitted ON job (submitted_ms);
