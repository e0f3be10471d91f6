-- Large arrays are journaled in parts: the submit commits the job row (its array_length says how many steps it
-- has), the first steps' rows and a row here; the journal writer writes the other steps' rows in the commits that
-- follow, a few thousand at a time, and removes the row here with the last of them. A host that opens the journal
-- writes what an earlier one left before it looks for unfinished tasks.
CREATE TABLE array_fill (
    job_id    BIGINT PRIMARY KEY,
    next_step INTEGER NOT NULL
);
COMMENT ON TABLE array_fill IS 'Arrays whose step rows are still being written: steps next_step to array_length - 1 of the job are queued and have no task row yet. Empty once the journal writer has caught up, within seconds of a submit.';
COMMENT ON COLUMN array_fill.job_id IS 'The array''s job.';
COMMENT ON COLUMN array_fill.next_step IS 'The first step that has no task row yet.';
