-- What ran a session's tasks: a successor must settle a Slurm host's tasks on Slurm even when the host died
-- before sbatch answered for any of them (no task has a Slurm job id yet, but a job may exist).
ALTER TABLE host_session ADD COLUMN backend VARCHAR(8);
COMMENT ON COLUMN host_session.backend IS 'What ran this session''s tasks: ''local'' processes or ''slurm'' jobs; NULL for sessions of versions before it was recorded.';
