package dev.multiproc.core;

import java.util.Optional;

/** A distributor id: {@code "17"} for single task 17, {@code "18_3"} for step 3 of array 18. */
public record TaskId(long jobId, Integer step) {

    public static TaskId of(long jobId, Integer step) {
        return new TaskId(jobId, step);
    }

    /** Parses a distributor id; empty for anything that is not one. */
    public static Optional<TaskId> parse(String id) {
        if (id == null || id.isEmpty() || id.length() > 40) {
            return Optional.empty();
        }
        int underscore = id.indexOf('_');
        try {
            if (underscore < 0) {
                return digits(id) ? Optional.of(new TaskId(Long.parseLong(id), null)) : Optional.empty();
            }
            String job = id.substring(0, underscore);
            String step = id.substring(underscore + 1);
            if (!digits(job) || !digits(step)) {
                return Optional.empty();
            }
            return Optional.of(new TaskId(Long.parseLong(job), Integer.parseInt(step)));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    private static boolean digits(String s) {
        if (s.isEmpty() || (s.length() > 1 && s.charAt(0) == '0')) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        return step == null ? Long.toString(jobId) : jobId + "_" + step;
    }

    /** The ids given, each once and in order; a null list or id is an error naming {@code what}. */
    static java.util.Set<String> distinct(String what, java.util.List<String> ids) {
        if (ids == null) {
            throw new IllegalArgumentException(what + " must not be null");
        }
        java.util.Set<String> unique = new java.util.LinkedHashSet<>();
        for (int i = 0; i < ids.size(); i++) {
            String id = ids.get(i);
            if (id == null) {
                throw new IllegalArgumentException(what + "[" + i + "] is null");
            }
            unique.add(id);
        }
        return unique;
    }
}
