package org.transprune.bench;

/** A data problem that stops the work; the message names file and line (one line, no parser internals). */
public class BenchmarkDataException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient DataIssue issue;
    private final boolean skippable;

    /** A problem with a file as a whole (missing, empty, not JSON): no policy can skip it. */
    public BenchmarkDataException(DataIssue issue) {
        this(issue, null, false);
    }

    /** As {@link #BenchmarkDataException(DataIssue)}, with the underlying cause. */
    public BenchmarkDataException(DataIssue issue, Throwable cause) {
        this(issue, cause, false);
    }

    /**
     * @param skippable whether the problem concerns one item, which {@link OnError#SKIP} would have
     *     left out
     */
    public BenchmarkDataException(DataIssue issue, Throwable cause, boolean skippable) {
        super(issue.toString(), cause);
        this.issue = issue;
        this.skippable = skippable;
    }

    /** True when {@link OnError#SKIP} would have left the item out instead of stopping. */
    public boolean skippable() {
        return skippable;
    }

    /** The problem, or null after deserialisation. */
    public DataIssue issue() {
        return issue;
    }
}
