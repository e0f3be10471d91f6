package dev.multiproc.slurm;

import java.util.ArrayList;
import java.util.List;

/** The sbatch command line of a {@link JobRequest}; the script goes to sbatch's standard input. */
final class SbatchArguments {
    private SbatchArguments() {
    }

    static List<String> of(JobRequest r) {
        List<String> a = new ArrayList<>();
        a.add("--parsable");
        // the job's variables reach sbatch in its environment: values may hold commas, which --export=K=V cannot
        a.add("--export=ALL");
        add(a, "--job-name", r.name());
        add(a, "--comment", r.comment());
        if (r.isArray()) {
            a.add("--array=" + (r.arrayIndices() != null ? r.arrayIndices() : "0-" + (r.arraySize() - 1)));
        }
        add(a, "--cpus-per-task", r.cpusPerTask());
        if (r.memoryMegabytes() != null) {
            a.add("--mem=" + r.memoryMegabytes() + "M");
        }
        if (r.time() != null) {
            a.add("--time=" + SlurmValues.minutesCeil(r.time()));
        }
        add(a, "--partition", r.partition());
        add(a, "--account", r.account());
        add(a, "--constraint", r.constraint());
        add(a, "--output", r.output());
        add(a, "--error", r.error());
        add(a, "--chdir", r.workDir());
        return a;
    }

    private static void add(List<String> args, String option, Object value) {
        if (value != null) {
            args.add(option + "=" + value);
        }
    }
}
