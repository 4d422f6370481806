package org.transprune.run;

import java.nio.file.Path;

/**
 * One thing wrong with an experiment file.
 *
 * @param file the file the offending value was written in (an {@code extends:} parent, maybe)
 * @param line 1-based line, or 0 when the problem has no single place
 * @param key where in the document, e.g. {@code strategies[1].grid.alpha}
 * @param message what is wrong and what would be right
 */
public record ExperimentProblem(Path file, int line, String key, String message) {

    @Override
    public String toString() {
        return (file == null ? "" : file + (line > 0 ? ":" + line : "") + ": ")
                + (key == null || key.isEmpty() ? "" : key + ": ")
                + message;
    }
}
