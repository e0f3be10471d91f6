package dev.multiproc.journal;

/** Job ids a host may hand out: from {@code first} up to, not including, {@code limit}. */
public record JobIdBlock(long first, long limit) {
    public JobIdBlock {
        if (first < 1 || limit <= first) {
            throw new IllegalArgumentException("an empty or invalid block of job ids: " + first + " to " + limit);
        }
    }
}
