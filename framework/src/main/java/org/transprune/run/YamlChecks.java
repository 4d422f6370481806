package org.transprune.run;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.transprune.bench.OnError;

/**
 * The experiment parser's shared state: the problems and warnings found so far (each with file,
 * line and key), and typed reads of YAML values that record a problem instead of throwing.
 */
final class YamlChecks {
    private final ExperimentParser.Mode mode;
    private final List<ExperimentProblem> problems = new ArrayList<>();
    private final List<ExperimentProblem> warnings = new ArrayList<>();

    YamlChecks(ExperimentParser.Mode mode) {
        this.mode = mode;
    }

    ExperimentParser.Mode mode() {
        return mode;
    }

    /** Whether a missing data path (or checkpoint, when a preset gives the shape) is only a warning. */
    boolean dryRun() {
        return mode == ExperimentParser.Mode.DRY_RUN;
    }

    List<ExperimentProblem> problems() {
        return problems;
    }

    List<ExperimentProblem> warnings() {
        return warnings;
    }

    /** How many problems are recorded; compare before and after a section to see whether it added any. */
    int problemCount() {
        return problems.size();
    }

    void problem(YamlValue at, String key, String message) {
        problem(at.file(), at.line(), key, message);
    }

    void problem(Path file, int line, String key, String message) {
        problems.add(new ExperimentProblem(file, line, key, message));
    }

    void warning(YamlValue at, String key, String message) {
        warnings.add(new ExperimentProblem(at.file(), at.line(), key, message));
    }

    /** A problem, or a warning when {@code asWarning}. */
    void report(boolean asWarning, Path file, int line, String key, String message) {
        (asWarning ? warnings : problems).add(new ExperimentProblem(file, line, key, message));
    }

    /** A list entry written as a bare name, as the mapping {@code {name: NAME}}; a mapping as is; else null. */
    static YamlValue.Mapping nameOrMapping(YamlValue item) {
        if (item instanceof YamlValue.Scalar s && s.value() instanceof String) {
            return new YamlValue.Mapping(s.file(), s.line(), Map.of("name", s), Map.of("name", s.line()));
        }
        return item instanceof YamlValue.Mapping m ? m : null;
    }

    String string(YamlValue.Mapping m, String field, String key, String dflt) {
        YamlValue v = m.get(field);
        if (v == null) {
            return dflt;
        }
        if (v instanceof YamlValue.Scalar s && s.value() instanceof String str) {
            return str;
        }
        if (v instanceof YamlValue.Scalar s && s.value() instanceof ExperimentFiles.UnsetVariable u) {
            problem(v, key, "environment variable " + u.variable() + " is not set (used in '" + u.text() + "')");
            return null;
        }
        problem(v, key, "must be a string, got " + describe(v));
        return null;
    }

    Integer integer(YamlValue v, String key, Integer dflt) {
        if (v == null) {
            return dflt;
        }
        if (v instanceof YamlValue.Scalar s && s.value() instanceof Integer i) {
            return i;
        }
        problem(v, key, "must be an integer, got " + describe(v));
        return null;
    }

    /** An integer of at least {@code min}, or null (with a problem) when it is not. */
    Integer atLeast(YamlValue v, String key, Integer dflt, int min) {
        Integer i = integer(v, key, dflt);
        if (i != null && i < min) {
            problem(v, key, "must be at least " + min + ", got " + i);
            return null;
        }
        return i;
    }

    Boolean bool(YamlValue v, String key, boolean dflt) {
        if (v == null) {
            return dflt;
        }
        if (v.plain() instanceof Boolean b) {
            return b;
        }
        problem(v, key, "must be true or false, got " + describe(v));
        return null;
    }

    /** A path relative to the file that wrote it; unset variables and non-strings are reported. */
    Path path(YamlValue v, String key, boolean asWarning) {
        if (v instanceof YamlValue.Scalar s && s.value() instanceof String str) {
            return v.file().getParent().resolve(str).normalize();
        }
        if (v instanceof YamlValue.Scalar s && s.value() instanceof ExperimentFiles.UnsetVariable u) {
            report(
                    asWarning,
                    v.file(),
                    v.line(),
                    key,
                    "environment variable " + u.variable() + " is not set (used in '" + u.text()
                            + "'); see experiments/README.md");
            return null;
        }
        problem(v, key, "must be a path, got " + describe(v));
        return null;
    }

    OnError onError(YamlValue v, String key, OnError dflt) {
        if (v == null) {
            return dflt;
        }
        if (v instanceof YamlValue.Scalar s && s.value() instanceof String str) {
            try {
                return OnError.parse(str);
            } catch (IllegalArgumentException e) {
                problem(v, key, "must be skip or fail, got '" + str + "'");
                return dflt;
            }
        }
        problem(v, key, "must be skip or fail, got " + describe(v));
        return dflt;
    }

    void unknownKeys(YamlValue.Mapping m, String where, Set<String> known) {
        for (String k : m.entries().keySet()) {
            if (!known.contains(k)) {
                problem(
                        m.get(k).file(),
                        m.keyLine(k),
                        where.isEmpty() ? k : where + "." + k,
                        "unknown key (known: " + sorted(known) + ")");
            }
        }
    }

    static String describe(YamlValue v) {
        if (v instanceof YamlValue.Scalar s && s.value() instanceof String str) {
            return "'" + str + "'";
        }
        if (v instanceof YamlValue.Scalar s) {
            return String.valueOf(s.value());
        }
        return v.kind();
    }

    static String sorted(Set<String> keys) {
        return String.join(", ", keys.stream().sorted().toList());
    }

    /**
     * An exception's message as one clean line: without a JSON library's location dump
     * ({@code at [Source: ...]}), which becomes the line and column it points at, and with any
     * further lines joined by "; " (a list of missing names stays readable on one line).
     */
    static String oneLine(Throwable e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        String line = message.replaceAll("(?s)\\s*at \\[Source:.*?\\]", "")
                .strip()
                .replaceAll("(?<=:)\\s*\\R\\s*", " ")
                .replaceAll("\\s*\\R\\s*", "; ");
        for (Throwable t = e; t != null && message.contains("[Source:"); t = t.getCause()) {
            if (t instanceof JsonProcessingException j && j.getLocation() != null) {
                JsonLocation at = j.getLocation();
                return line + " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")";
            }
        }
        return line;
    }
}
