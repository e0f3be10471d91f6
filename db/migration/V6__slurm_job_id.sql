-- Tasks run as Slurm jobs (cluster: slurm) record the Slurm job id they were submitted as, right after sbatch
-- answered: so a successor host can ask Slurm how each ended.
ALTER TABLE task ADD COLUMN slurm_job_id VARCHAR(40);
COMMENT ON COLUMN task.slurm_job_id IS 'The Slurm job id the task runs as under cluster: slurm: ''17'' for a job, ''18_3'' for task 3 of Slurm array job 18; NULL for local tasks and until sbatch answered.';
