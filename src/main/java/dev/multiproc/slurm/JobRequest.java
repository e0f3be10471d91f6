package dev.multiproc.slurm;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * One batch job, or one array job of {@code arraySize} tasks ({@code --array=0-(n-1)}), for {@code sbatch}. Null (or
 * 0 for {@code arraySize}) leaves a setting to Slurm. Whatever Slurm would refuse, or take for something else
 * ({@code --mem=0} is the whole node), is refused here with a one-line {@link IllegalArgumentException}.
 *
 * @param script          the batch script, starting with {@code #!}; {@link #shellScript} makes one of a command
 * @param name            {@code --job-name}; a unique one finds the job again after a crash ({@code squeue --name})
 * @param comment         {@code --comment}; also kept by sacct when the cluster stores comments
 * @param arraySize       0 for a single job, else the number of tasks (with {@code arrayIndices}: the highest index plus 1)
 * @param arrayIndices    null for all of {@code 0-(arraySize-1)}; else the indices to run, as {@code --array} takes them
 *                        ({@code "1,4-6"}): a part of an array submitted again
 * @param environment     variables the job sees besides the submitter's environment
 * @param cpusPerTask     {@code --cpus-per-task}
 * @param memoryMegabytes {@code --mem}, per node, in MiB
 * @param time            {@code --time}, rounded up to whole minutes (Slurm's unit)
 * @param output          {@code --output}, a file name pattern ({@code %j}, {@code %A}, {@code %a} work)
 * @param error           {@code --error}
 * @param workDir         {@code --chdir}
 */
public record JobRequest(String script, String name, String comment, int arraySize, String arrayIndices, Map<String, String> environment,
        Integer cpusPerTask, Long memoryMegabytes, Duration time, String partition, String account, String constraint,
        String output, String error, Path workDir) {

    private static final Pattern VARIABLE = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final Pattern PLAIN_WORD = Pattern.compile("[^\\s,]+");

    public JobRequest {
        if (script == null || !script.startsWith("#!")) {
            throw new IllegalArgumentException("job script must start with #! and an interpreter (sbatch refuses others)");
        }
        if (script.contains("\r\n")) {
            throw new IllegalArgumentException("job script has DOS line breaks (\\r\\n), which sbatch refuses");
        }
        if (script.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("job script holds a NUL character");
        }
        checkText("job name", name);
        checkText("job comment", comment);
        if (arraySize < 0) {
            throw new IllegalArgumentException("job array size must be at least 1, got " + arraySize);
        }
        if (arrayIndices != null && (arraySize == 0 || !arrayIndices.matches("\\d+(-\\d+)?(,\\d+(-\\d+)?)*"))) {
            throw new IllegalArgumentException("job array indices must be a list like 1,4-6 of an array job, got '" + arrayIndices + "'");
        }
        environment = environment == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(environment));
        environment.forEach(JobRequest::checkVariable);
        if (cpusPerTask != null && cpusPerTask < 1) {
            throw new IllegalArgumentException("job cpus per task must be at least 1, got " + cpusPerTask);
        }
        if (memoryMegabytes != null && memoryMegabytes < 1) {
            throw new IllegalArgumentException("job memory must be at least 1 MiB, got " + memoryMegabytes
                    + (memoryMegabytes == 0 ? " (Slurm takes 0 for all of a node's memory)" : ""));
        }
        if (time != null && (time.isNegative() || time.isZero())) {
            throw new IllegalArgumentException("job time limit must be positive, got " + time
                    + (time.isZero() ? " (Slurm takes 0 for no limit)" : ""));
        }
        checkWord("job partition", partition);
        checkWord("job account", account);
        checkText("job constraint", constraint);
        checkText("job output", output);
        checkText("job error", error);
        if (output != null && output.isBlank() || error != null && error.isBlank()) {
            throw new IllegalArgumentException("job output and error file names must not be blank");
        }
    }

    /** A {@code /bin/sh} script that runs {@code command}, as a task of the protocol runs through {@code sh -c}. */
    public static String shellScript(String command) {
        return "#!/bin/sh\n" + command + "\n";
    }

    public static Builder builder(String script) {
        return new Builder(script);
    }

    /** True for an array job. */
    public boolean isArray() {
        return arraySize > 0;
    }

    private static void checkText(String what, String value) {
        if (value == null) {
            return;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                throw new IllegalArgumentException(what + " must not hold control characters (a line break, a tab...), got "
                        + value.replaceAll("\\p{Cntrl}", "?"));
            }
        }
    }

    private static void checkWord(String what, String value) {
        if (value != null && !PLAIN_WORD.matcher(value).matches()) {
            throw new IllegalArgumentException(what + " must be one word without commas, got '" + value + "'");
        }
    }

    private static void checkVariable(String key, String value) {
        if (!VARIABLE.matcher(key).matches()) {
            throw new IllegalArgumentException("job environment variable name '" + key + "' is not a shell variable name");
        }
        if (key.startsWith("SLURM_") || key.startsWith("SBATCH_")) {
            throw new IllegalArgumentException("job environment variable " + key + " is Slurm's own (sbatch would read it as an option)");
        }
        if (value == null || value.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("job environment variable " + key + " has no value or holds a NUL character");
        }
    }

    /** Builds a {@link JobRequest}; every setting but the script is optional. */
    public static final class Builder {
        private final String script;
        private String name;
        private String comment;
        private int arraySize;
        private String arrayIndices;
        private final Map<String, String> environment = new LinkedHashMap<>();
        private Integer cpusPerTask;
        private Long memoryMegabytes;
        private Duration time;
        private String partition;
        private String account;
        private String constraint;
        private String output;
        private String error;
        private Path workDir;

        private Builder(String script) {
            this.script = script;
        }

        public Builder name(String v) {
            name = v;
            return this;
        }

        public Builder comment(String v) {
            comment = v;
            return this;
        }

        public Builder arraySize(int v) {
            arraySize = v;
            return this;
        }

        /** An array job of only these indices (ascending or not), as ranges: {@code [1, 4, 5, 6]} is {@code --array=1,4-6}. */
        public Builder arrayIndices(java.util.Collection<Integer> indices) {
            java.util.List<Integer> sorted = indices.stream().distinct().sorted().toList();
            if (sorted.isEmpty() || sorted.get(0) < 0) {
                throw new IllegalArgumentException("job array indices must be at least one index of 0 or more, got " + indices);
            }
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < sorted.size(); i++) {
                int first = sorted.get(i);
                while (i + 1 < sorted.size() && sorted.get(i + 1) == sorted.get(i) + 1) {
                    i++;
                }
                b.append(b.length() == 0 ? "" : ",").append(first).append(sorted.get(i) == first ? "" : "-" + sorted.get(i));
            }
            arrayIndices = b.toString();
            arraySize = sorted.get(sorted.size() - 1) + 1;
            return this;
        }

        public Builder environment(Map<String, String> v) {
            environment.putAll(v);
            return this;
        }

        public Builder env(String key, String value) {
            environment.put(key, value);
            return this;
        }

        public Builder cpusPerTask(int v) {
            cpusPerTask = v;
            return this;
        }

        public Builder memoryMegabytes(long v) {
            memoryMegabytes = v;
            return this;
        }

        public Builder time(Duration v) {
            time = v;
            return this;
        }

        public Builder partition(String v) {
            partition = v;
            return this;
        }

        public Builder account(String v) {
            account = v;
            return this;
        }

        public Builder constraint(String v) {
            constraint = v;
            return this;
        }

        public Builder output(String v) {
            output = v;
            return this;
        }

        public Builder error(String v) {
            error = v;
            return this;
        }

        public Builder workDir(Path v) {
            workDir = v;
            return this;
        }

        public JobRequest build() {
            return new JobRequest(script, name, comment, arraySize, arrayIndices, environment, cpusPerTask, memoryMegabytes, time,
                    partition, account, constraint, output, error, workDir);
        }
    }
}
