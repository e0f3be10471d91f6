-- multiproc serve: who submitted each job, the key that makes a retried submit return the first one's ids,
-- and the environment a client asked its tasks to see. The environment holds secrets (Jobmon's JOBMON__*
-- settings): it lives in a table of its own that the read-only user of `multiproc sql` is not granted.
ALTER TABLE job ADD COLUMN client_id VARCHAR(64);
ALTER TABLE job ADD COLUMN request_key VARCHAR(64);
CREATE UNIQUE INDEX job_by_request_key ON job (request_key);
CREATE INDEX job_by_client ON job (client_id);
COMMENT ON COLUMN job.client_id IS 'The service client that submitted the job (multiproc serve); NULL when submitted in the host''s own JVM. Stopping that client terminates its queued and running tasks.';
COMMENT ON COLUMN job.request_key IS 'The client''s key of the submit call: a retry with the same key returns this job''s ids instead of submitting again; NULL without a key.';

CREATE TABLE job_environment (
    job_id      BIGINT PRIMARY KEY,
    environment VARCHAR NOT NULL
);
COMMENT ON TABLE job_environment IS 'Variables a client asked the tasks of a job to see, as a JSON object; kept only for a requeue after a crash, and readable only by the journal''s owner.';
COMMENT ON COLUMN job_environment.job_id IS 'The job whose tasks see these variables.';
COMMENT ON COLUMN job_environment.environment IS 'A JSON object of variable names to values.';
