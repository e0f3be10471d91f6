-- What every table and column of the journal holds, in sentences for people who read the schema
-- (INFORMATION_SCHEMA.TABLES.REMARKS and INFORMATION_SCHEMA.COLUMNS.REMARKS, or a SQL client's table
-- view). The words are those of the README's glossary. Times are epoch milliseconds (UTC); the views
-- show them as timestamps. These comments replace what the comments of V1 to V4 said in earlier words.

COMMENT ON TABLE journal_meta IS 'Counters of the journal itself, one row per key.';
COMMENT ON COLUMN journal_meta.meta_key IS 'next_job_id: the next job id to hand out (ids are never reused, even after history is pruned); generation: bumped by every commit, also kept outside the database to notice a file that lost commits; uncertain_below_job: present after a rebuild that lost commits, until the next recovery.';
COMMENT ON COLUMN journal_meta.meta_value IS 'The value of the key.';

COMMENT ON TABLE host_session IS 'One row per session: each host process that opened the journal, and what its recovery found.';
COMMENT ON COLUMN host_session.session_id IS 'The session''s number, counting up from 1.';
COMMENT ON COLUMN host_session.started_ms IS 'When the host opened the journal (epoch ms).';
COMMENT ON COLUMN host_session.ended_ms IS 'When the host closed the journal cleanly (epoch ms); NULL if it died or still runs.';
COMMENT ON COLUMN host_session.host_pid IS 'The process id of the host.';
COMMENT ON COLUMN host_session.host_name IS 'The name of the machine the host ran on.';
COMMENT ON COLUMN host_session.cluster_name IS 'The cluster name the host was configured with.';
COMMENT ON COLUMN host_session.parallelism IS 'The slots the host filled: tasks running at once, a task with cores: c counting c times.';
COMMENT ON COLUMN host_session.orphan_policy IS 'What the host did with tasks an earlier host left running: reattach or kill.';
COMMENT ON COLUMN host_session.previous_clean IS 'Whether the session before this one ended cleanly; NULL for the first session.';
COMMENT ON COLUMN host_session.recovery_ms IS 'How long recovery took at start(), in milliseconds; NULL until it ran.';
COMMENT ON COLUMN host_session.reattached IS 'Tasks recovery found still running and reattached.';
COMMENT ON COLUMN host_session.finished_while_down IS 'Tasks recovery found ended while no host ran, with their results in their state files.';
COMMENT ON COLUMN host_session.lost IS 'Tasks recovery found gone with no result: reported lost.';
COMMENT ON COLUMN host_session.requeued IS 'Tasks recovery found never started: queued again.';
COMMENT ON COLUMN host_session.killed IS 'Tasks recovery killed with their processes, under orphan_policy kill.';

COMMENT ON TABLE job IS 'One row per submission: a single task, or an array of tasks (its steps), with what they run and the resources they requested.';
COMMENT ON COLUMN job.job_id IS 'The job id: a single task''s id, or the part before the underscore of an array step''s id.';
COMMENT ON COLUMN job.name IS 'The name given at submission.';
COMMENT ON COLUMN job.command IS 'The shell command each task runs with /bin/sh -c.';
COMMENT ON COLUMN job.resources IS 'The requested resources as given at submission, in JSON.';
COMMENT ON COLUMN job.cores IS 'Slots each task of the job takes.';
COMMENT ON COLUMN job.memory_bytes IS 'Memory limit of each task''s processes together, in bytes; NULL for none.';
COMMENT ON COLUMN job.runtime_s IS 'Runtime limit of each task, in whole seconds; NULL for none.';
COMMENT ON COLUMN job.stdout_path IS 'The directory that receives each task''s standard output, as NAME.oTASKID (the stdout resource, else the host''s log_dir); NULL: discarded.';
COMMENT ON COLUMN job.stderr_path IS 'The directory that receives each task''s standard error, as NAME.eTASKID (the stderr resource, else the host''s log_dir); NULL: discarded.';
COMMENT ON COLUMN job.array_length IS 'The number of steps of an array; NULL for a single task.';
COMMENT ON COLUMN job.submitted_ms IS 'When the submission was committed (epoch ms).';
COMMENT ON COLUMN job.session_id IS 'The session that took the submission.';
COMMENT ON COLUMN job.run_id IS 'The run this job belongs to (multiproc run); NULL for a job submitted through the library.';
COMMENT ON COLUMN job.line_no IS 'The line of the run''s command file that holds the command (from 1); NULL outside a run.';

COMMENT ON TABLE task IS 'One row per task: one run of a job''s command (a single task, or one step of an array), and the task history.';
COMMENT ON COLUMN task.task_id IS 'The task''s distributor id: ''17'' for a single task, ''18_3'' for step 3 of array 18; never reused.';
COMMENT ON COLUMN task.job_id IS 'The job the task belongs to.';
COMMENT ON COLUMN task.step IS 'The array step (ARRAY_STEP_ID); NULL for a single task.';
COMMENT ON COLUMN task.state IS 'Where the task is: QUEUED, RUNNING, DONE (exit code 0), FAILED, TERMINATED (at a request, a stop or by recovery), LOST (ended with nobody left to record how) or ERROR (could not start: a queueing error).';
COMMENT ON COLUMN task.attempt IS 'The attempt that ran or runs, from 0: one more when recovery claimed an attempt that never started, so that a late start of it cannot make a second run.';
COMMENT ON COLUMN task.pid IS 'The process id of the task''s shell (/bin/sh -c COMMAND, started by its launcher, leading a process session of its own); NULL until it started.';
COMMENT ON COLUMN task.pid_start_ticks IS 'The start time of that process in clock ticks since boot (/proc/PID/stat), which tells it from a later process with the same pid.';
COMMENT ON COLUMN task.pid_started_ms IS 'The start time of that process (epoch ms).';
COMMENT ON COLUMN task.started_ms IS 'When the task started (epoch ms); NULL if it never did.';
COMMENT ON COLUMN task.ended_ms IS 'When the task ended, or was found ended (epoch ms); NULL while it is queued or running.';
COMMENT ON COLUMN task.exit_code IS 'The exit code of its command, 0 to 255; 128+N when a signal N killed it.';
COMMENT ON COLUMN task.signal IS 'The signal that killed its command; 0 or NULL when it exited.';
COMMENT ON COLUMN task.end_cause IS 'Why it ended: exit, signal, terminated, stopped (its host stopped; a resumed run runs it again), runtime, memory, spawn_error, lost or recovery_kill.';
COMMENT ON COLUMN task.status_code IS 'The one-letter task instance status the distributor protocol answered for it (D done, U unknown error, Z resource error, ...).';
COMMENT ON COLUMN task.message IS 'The exit information message, as getRemoteExitInfo answers it.';
COMMENT ON COLUMN task.cpu_ms IS 'CPU time (user plus system) of the task''s shell and of every process it waited for, in milliseconds.';
COMMENT ON COLUMN task.peak_rss_kb IS 'Peak resident memory of the task, in KiB: the larger of the sampled total of its processes and the biggest single process''s own peak.';
COMMENT ON COLUMN task.session_id IS 'The session that started the task or settled its end.';

COMMENT ON TABLE exit_info IS 'The protocol''s exit information, in the order it was recorded, pruned to exit_info_size_limit entries (older answers come from task).';
COMMENT ON COLUMN exit_info.seq IS 'Its place in the order, without gaps: the newest N entries are those with seq > MAX(seq) - N.';
COMMENT ON COLUMN exit_info.task_id IS 'The task it is about.';
COMMENT ON COLUMN exit_info.status_code IS 'The one-letter task instance status answered.';
COMMENT ON COLUMN exit_info.message IS 'The message answered.';
COMMENT ON COLUMN exit_info.recorded_ms IS 'When it was recorded (epoch ms).';

COMMENT ON TABLE queueing_error IS 'Errors that kept a task from starting, until the workflow host pops them with getQueueingErrors.';
COMMENT ON COLUMN queueing_error.task_id IS 'The task that could not start.';
COMMENT ON COLUMN queueing_error.message IS 'Why it could not start.';
COMMENT ON COLUMN queueing_error.recorded_ms IS 'When it was recorded (epoch ms).';

COMMENT ON TABLE run IS 'One row per run: the commands of one multiproc run file (or of standard input), resumed by running the same name again.';
COMMENT ON COLUMN run.run_id IS 'The run''s number.';
COMMENT ON COLUMN run.name IS 'The run''s name (--name; by default the file''s name, or stdin), unique in the journal.';
COMMENT ON COLUMN run.source IS 'The command file, or stdin.';
COMMENT ON COLUMN run.content_sha256 IS 'The SHA-256 of the run''s commands, in hex: a run of the same name with other commands is refused.';
COMMENT ON COLUMN run.command_count IS 'How many commands (lines) the run has.';
COMMENT ON COLUMN run.created_ms IS 'When the run was first started (epoch ms).';

COMMENT ON TABLE task_request IS 'What other processes ask of the host that holds the journal (multiproc kill while a run runs), and how it answered.';
COMMENT ON COLUMN task_request.request_id IS 'The request''s number.';
COMMENT ON COLUMN task_request.task_id IS 'The task the request is about.';
COMMENT ON COLUMN task_request.kind IS 'What is asked: terminate.';
COMMENT ON COLUMN task_request.requested_ms IS 'When it was asked (epoch ms).';
COMMENT ON COLUMN task_request.requested_by IS 'Who asked, as multiproc kill (pid N).';
COMMENT ON COLUMN task_request.handled_ms IS 'When the host acted on it (epoch ms); NULL while it waits.';
COMMENT ON COLUMN task_request.outcome IS 'What the host did, in words; NULL while it waits.';

COMMENT ON TABLE journal_repair IS 'Repairs of the journal database: what opening it found when H2 had lost commits or the file did not open, what was done, and where the damaged files were kept.';
COMMENT ON COLUMN journal_repair.repair_id IS 'The repair''s number.';
COMMENT ON COLUMN journal_repair.repaired_ms IS 'When it was repaired (epoch ms).';
COMMENT ON COLUMN journal_repair.session_id IS 'The session that opened the damaged journal.';
COMMENT ON COLUMN journal_repair.kind IS 'HEADER_REPAIRED or REPLAYED (nothing lost), or REBUILT (some commits were not found).';
COMMENT ON COLUMN journal_repair.found_generation IS 'The generation the damaged file opened at; -1 if it did not open.';
COMMENT ON COLUMN journal_repair.committed_generation IS 'The newest generation known to be committed (from the generation file and the redo log).';
COMMENT ON COLUMN journal_repair.result_generation IS 'The generation after the repair.';
COMMENT ON COLUMN journal_repair.evidence IS 'The directory that holds the damaged files as they were found.';
COMMENT ON COLUMN journal_repair.details IS 'What was tried and found, in words.';

COMMENT ON VIEW task_history IS 'Every task with its job''s command, its run, timing, usage and how it ended; times as timestamps (UTC), durations in seconds. The view to start from.';
COMMENT ON VIEW running_tasks IS 'Tasks running now, as the journal knows (one that ended in the last fraction of a second may show).';
COMMENT ON VIEW failures IS 'Tasks that did not end well (FAILED, LOST, ERROR, TERMINATED), with reason = end_cause.';
COMMENT ON VIEW host_sessions IS 'Every session, whether the one before it ended cleanly, and what its recovery found.';
COMMENT ON VIEW runs IS 'Every run, with the state of the latest task of each of its commands; interrupted tasks run again when the run is resumed.';
COMMENT ON VIEW journal_repairs IS 'Every repair of the journal database; nothing_lost is false for a REBUILT journal.';
