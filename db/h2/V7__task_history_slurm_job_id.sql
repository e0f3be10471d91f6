-- task_history shows each task's Slurm job id (V6): V2's view with slurm_job_id added at the end.
CREATE OR REPLACE FORCE VIEW task_history AS
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
       DATEADD(MILLISECOND, j.submitted_ms, TIMESTAMP WITH TIME ZONE '1970-01-01 00:00:00+00')                             AS submitted_at,
       DATEADD(MILLISECOND, t.started_ms, TIMESTAMP WITH TIME ZONE '1970-01-01 00:00:00+00')                               AS started_at,
       DATEADD(MILLISECOND, t.ended_ms, TIMESTAMP WITH TIME ZONE '1970-01-01 00:00:00+00')                                 AS ended_at,
       CAST((t.started_ms - j.submitted_ms) / 1000.0 AS DECIMAL(18, 3)) AS queued_s,
       CAST((t.ended_ms - t.started_ms) / 1000.0 AS DECIMAL(18, 3)) AS duration_s,
       CAST(t.cpu_ms / 1000.0 AS DECIMAL(18, 3))            AS cpu_s,
       CAST(t.peak_rss_kb / 1024.0 AS DECIMAL(18, 1))       AS peak_rss_mb,
       t.session_id,
       t.slurm_job_id
FROM task t
JOIN job j ON j.job_id = t.job_id
LEFT JOIN run r ON r.run_id = j.run_id;
COMMENT ON VIEW task_history IS 'Every task with its job''s command, its run, timing, usage and how it ended; times as timestamps (UTC), durations in seconds; slurm_job_id for tasks run as Slurm jobs. The view to start from.';
