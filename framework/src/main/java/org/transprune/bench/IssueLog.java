package org.transprune.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Applies the user's {@link OnError} policy to data problems: under {@code FAIL} the first problem
 * throws; under {@code SKIP} problems are recorded so the result can show how many items were left
 * out and why. Never used to hide a problem silently.
 */
public final class IssueLog {
    private final OnError policy;
    private final List<DataIssue> issues = new ArrayList<>();

    public IssueLog(OnError policy) {
        this.policy = policy;
    }

    public OnError policy() {
        return policy;
    }

    /** Records (SKIP) or throws (FAIL) a problem at {@code file:line}. */
    public void report(Path file, int line, String message) {
        report(new DataIssue(file, line, message), null);
    }

    /** As {@link #report(Path, int, String)}, keeping the underlying cause for FAIL. */
    public void report(Path file, int line, String message, Throwable cause) {
        report(new DataIssue(file, line, message), cause);
    }

    private void report(DataIssue issue, Throwable cause) {
        if (policy == OnError.FAIL) {
            throw new BenchmarkDataException(issue, cause, true);
        }
        issues.add(issue);
    }

    /** The problems skipped so far, in order. */
    public List<DataIssue> issues() {
        return Collections.unmodifiableList(issues);
    }
}
