package org.transprune.bench;

/** A data problem met under {@link OnError#FAIL}; the message names file and line. */
public class BenchmarkDataException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient DataIssue issue;

    public BenchmarkDataException(DataIssue issue) {
        super(issue.toString());
        this.issue = issue;
    }

    public BenchmarkDataException(DataIssue issue, Throwable cause) {
        super(issue.toString(), cause);
        this.issue = issue;
    }

    /** The problem, or null after deserialisation. */
    public DataIssue issue() {
        return issue;
    }
}
