-- Several hosts on one journal (issue 15): each host is named (config `host`, by default the machine's name); a
-- session belongs to its host, and so do the jobs it submitted. A host's recovery settles only its own tasks;
-- runs are named per host; the exit information is bounded per host. The views show each task's host.
ALTER TABLE host_session ADD COLUMN host VARCHAR(255);
-- a session's host: its machine's name made a valid host name, as a host not given one is named
UPDATE host_session SET host = REGEXP_REPLACE(REGEXP_REPLACE(host_name, '[^A-Za-z0-9._-]', '-', 'g'), '^[^A-Za-z0-9]+', '');
UPDATE host_session SET host = SUBSTRING(host, 1, 63);
UPDATE host_session SET host = 'localhost' WHERE host = '';
ALTER TABLE run ADD COLUMN host VARCHAR(255);
-- a run is the host's whose session submitted its latest job; else the last session's
UPDATE run SET host = COALESCE(
    (SELECT s.host FROM job j JOIN host_session s ON s.session_id = j.session_id WHERE j.run_id = run.run_id
     ORDER BY j.job_id DESC FETCH FIRST 1 ROW ONLY),
    (SELECT s.host FROM host_session s ORDER BY s.session_id DESC FETCH FIRST 1 ROW ONLY), '');
ALTER TABLE exit_info ADD COLUMN host VARCHAR(255) DEFAULT '' NOT NULL;
UPDATE exit_info SET host = COALESCE((SELECT s.host FROM host_session s ORDER BY s.session_id DESC FETCH FIRST 1 ROW ONLY), '');
CREATE INDEX host_session_by_host ON host_session (host);
COMMENT ON COLUMN host_session.host IS 'The name of the host this session was (config host; by default the machine''s name): its jobs are that host''s, and only that host''s recovery settles them.';
COMMENT ON COLUMN run.host IS 'The host whose run this is: run names are that host''s own.';
COMMENT ON COLUMN exit_info.host IS 'The host that recorded this exit information; the size limit applies per host.';
-- PostgreSQL: several hosts write at once: each numbers its own exit information, and names its own runs.
ALTER TABLE exit_info DROP CONSTRAINT exit_info_pkey;
ALTER TABLE exit_info ADD PRIMARY KEY (host, seq);
ALTER TABLE run DROP CONSTRAINT run_name_key;
ALTER TABLE run ADD CONSTRAINT run_host_name UNIQUE (host, name);
CREATE OR REPLACE VIEW task_history AS
SELECT t.task_id,
       t.job_id,
       t.step,
       r.name                                              AS run_name,
       j.line_no,
       j.name,
       j.command,
       t.state,
       t.exit_code,
       t.signal,
       t.end_cause,
       t.status_code,
       t.message,
       t.attempt,
       t.pid,
       j.cores,
       CAST(j.memory_bytes / 1048576.0 AS DECIMAL(18, 1))   AS memory_limit_mb,
       j.runtime_s                                         AS runtime_limit_s,
       to_timestamp(j.submitted_ms / 1000.0) AS submitted_at,
       to_timestamp(t.started_ms / 1000.0) AS started_at,
       to_timestamp(t.ended_ms / 1000.0) AS ended_at,
       CAST((t.started_ms - j.submitted_ms) / 1000.0 AS DECIMAL(18, 3)) AS queued_s,
       CAST((t.ended_ms - t.started_ms) / 1000.0 AS DECIMAL(18, 3)) AS duration_s,
       CAST(t.cpu_ms / 1000.0 AS DECIMAL(18, 3))            AS cpu_s,
       CAST(t.peak_rss_kb / 1024.0 AS DECIMAL(18, 1))       AS peak_rss_mb,
       t.session_id,
       t.slurm_job_id,
       s.host
FROM task t
JOIN job j ON j.job_id = t.job_id
LEFT JOIN host_session s ON s.session_id = j.session_id
LEFT JOIN run r ON r.run_id = j.run_id;
CREATE OR REPLACE VIEW running_tasks AS
SELECT task_id, run_name, name, command, pid, attempt, started_at,
       CAST(EXTRACT(EPOCH FROM (CURRENT_TIMESTAMP - started_at)) AS DECIMAL(18, 3)) AS running_s,
       cores, memory_limit_mb, runtime_limit_s, session_id, host
FROM task_history
WHERE state = 'RUNNING';
CREATE OR REPLACE VIEW failures AS
SELECT task_id, run_name, name, command, state, end_cause AS reason, exit_code, signal, message, started_at, ended_at,
       duration_s, peak_rss_mb, memory_limit_mb, runtime_limit_s, attempt, session_id, host
FROM task_history
WHERE state IN ('FAILED', 'LOST', 'ERROR', 'TERMINATED');
CREATE OR REPLACE VIEW host_sessions AS
SELECT session_id,
       to_timestamp(started_ms / 1000.0) AS started_at,
       to_timestamp(ended_ms / 1000.0) AS ended_at,
       ended_ms IS NOT NULL                                AS ended_cleanly,
       previous_clean,
       host_pid,
       host_name,
       cluster_name,
       parallelism,
       orphan_policy,
       recovery_ms,
       reattached,
       finished_while_down,
       lost,
       requeued,
       killed,
       host
FROM host_session;
CREATE OR REPLACE VIEW runs AS
SELECT r.run_id,
       r.name,
       r.source,
       to_timestamp(r.created_ms / 1000.0) AS created_at,
       r.command_count,
       COUNT(t.task_id)                                                   AS tasks,
       SUM(CASE WHEN t.state = 'DONE' THEN 1 ELSE 0 END)                  AS done,
       SUM(CASE WHEN t.state IN ('FAILED', 'LOST', 'ERROR')
                  OR (t.state = 'TERMINATED' AND t.end_cause <> 'stopped') THEN 1 ELSE 0 END) AS failed,
       SUM(CASE WHEN t.state = 'TERMINATED' AND t.end_cause = 'stopped' THEN 1 ELSE 0 END) AS interrupted,
       SUM(CASE WHEN t.state = 'RUNNING' THEN 1 ELSE 0 END)               AS running,
       SUM(CASE WHEN t.state = 'QUEUED' THEN 1 ELSE 0 END)                AS queued,
       r.host
FROM run r
LEFT JOIN job j ON j.run_id = r.run_id
     AND j.job_id = (SELECT MAX(j2.job_id) FROM job j2 WHERE j2.run_id = r.run_id AND j2.line_no = j.line_no)
LEFT JOIN task t ON t.job_id = j.job_id
GROUP BY r.run_id, r.name, r.source, r.created_ms, r.command_count, r.host;
COMMENT ON VIEW task_history IS 'Every task with its job''s command, its run, timing, usage and how it ended; times as timestamps (UTC), durations in seconds; slurm_job_id for tasks run as Slurm jobs; host: the host that submitted it. The view to start from.';
COMMENT ON VIEW running_tasks IS 'Tasks running now, as the journal knows (one that ended in the last fraction of a second may show), with their host.';
COMMENT ON VIEW failures IS 'Tasks that did not end well (FAILED, LOST, ERROR, TERMINATED), with reason = end_cause, and their host.';
COMMENT ON VIEW host_sessions IS 'Every session of every host, whether the one before it ended cleanly, and what its recovery found.';
COMMENT ON VIEW runs IS 'Every run of every host, with the state of the latest task of each of its commands; interrupted tasks run again when the run is resumed.';
