package org.transprune.bench;

import java.nio.file.Path;

/**
 * One data problem: the file, its 1-based line (0 when the problem is not tied to a line) and
 * what is wrong.
 */
public record DataIssue(Path file, int line, String message) {
    @Override
    public String toString() {
        String where = file == null ? "" : file + (line > 0 ? ":" + line : "") + ": ";
        return where + message;
    }
}
