-- The journal of a multiproc distributor. Times are epoch milliseconds (UTC); the views of later
-- migrations present them as timestamps.

CREATE TABLE journal_meta (
    meta_key   VARCHAR(64) PRIMARY KEY,
    meta_value BIGINT NOT NULL
);
-- next_job_id: ids are never reused, even after history is pruned.
-- generation: bumped by every journal commit; a sidecar file holds the last one committed, so a
-- database file that H2 would silently roll back to an older state is detected and refused.
INSERT INTO journal_meta (meta_key, meta_value) VALUES ('next_job_id', 1), ('generation', 0);

-- One row per host process that opened the journal.
CREATE TABLE host_session (
    session_id          INTEGER PRIMARY KEY,
    started_ms          BIGINT NOT NULL,
    ended_ms            BIGINT,                 -- set by a clean close; NULL if the host died
    host_pid            BIGINT NOT NULL,
    host_name           VARCHAR(255) NOT NULL,
    cluster_name        VARCHAR(255) NOT NULL,
    parallelism         INTEGER NOT NULL,
    orphan_policy       VARCHAR(16) NOT NULL,
    previous_clean      BOOLEAN,                -- did the session before this one end cleanly; NULL for the first
    recovery_ms         BIGINT,                 -- how long recovery took at start(); NULL until it ran
    reattached          INTEGER DEFAULT 0 NOT NULL,
    finished_while_down INTEGER DEFAULT 0 NOT NULL,
    lost                INTEGER DEFAULT 0 NOT NULL,
    requeued            INTEGER DEFAULT 0 NOT NULL,
    killed              INTEGER DEFAULT 0 NOT NULL
);

-- One row per submit call: a single task, or an array of array_length steps.
CREATE TABLE job (
    job_id        BIGINT PRIMARY KEY,
    name          VARCHAR NOT NULL,
    command       VARCHAR NOT NULL,
    resources     VARCHAR NOT NULL,          -- the requested resources as given, in JSON
    cores         INTEGER NOT NULL,
    memory_bytes  BIGINT,                    -- NULL: no memory limit
    runtime_s     BIGINT,                    -- NULL: no runtime limit
    stdout_path   VARCHAR,
    stderr_path   VARCHAR,
    array_length  INTEGER,                   -- NULL for a single task
    submitted_ms  BIGINT NOT NULL,
    session_id    INTEGER NOT NULL
);

-- One row per task instance; the task history.
CREATE TABLE task (
    task_id          VARCHAR(40) PRIMARY KEY,   -- the distributor id: '17', or '18_3' for step 3 of array 18
    job_id           BIGINT NOT NULL,
    step             INTEGER,                   -- array step; NULL for a single task
    state            VARCHAR(16) NOT NULL,      -- QUEUED RUNNING DONE FAILED TERMINATED LOST ERROR
    attempt          INTEGER DEFAULT 0 NOT NULL,-- bumped when recovery requeues a task that never started
    pid              BIGINT,                    -- the supervisor process (mpagent) of the task
    pid_start_ticks  BIGINT,                    -- its start time in clock ticks since boot (/proc/PID/stat)
    pid_started_ms   BIGINT,                    -- the same instant as ProcessHandle.Info.startInstant()
    started_ms       BIGINT,
    ended_ms         BIGINT,
    exit_code        INTEGER,                   -- 0..255; 128+N when killed by signal N
    signal           INTEGER,
    end_cause        VARCHAR(32),               -- exit signal terminated runtime memory spawn_error lost recovery_kill
    status_code      CHAR(1),                   -- the protocol status answered for this task
    message          VARCHAR(4000),
    cpu_ms           BIGINT,
    peak_rss_kb      BIGINT,
    session_id       INTEGER                    -- the host session that started or settled it
);
CREATE INDEX task_by_job ON task (job_id, step);
CREATE INDEX task_by_state ON task (state);

-- The protocol's exit information: insertion-ordered, pruned to the configured size. seq is gapless,
-- so the newest N entries are exactly those with seq > MAX(seq) - N.
CREATE TABLE exit_info (
    seq          BIGINT PRIMARY KEY,
    task_id      VARCHAR(40) NOT NULL UNIQUE,
    status_code  CHAR(1) NOT NULL,
    message      VARCHAR(4000) NOT NULL,
    recorded_ms  BIGINT NOT NULL
);

-- Errors that kept a task from starting, until the host pops them.
CREATE TABLE queueing_error (
    task_id      VARCHAR(40) PRIMARY KEY,
    message      VARCHAR(4000) NOT NULL,
    recorded_ms  BIGINT NOT NULL
);
