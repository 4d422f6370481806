package org.transprune.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The outcome of scoring one answers file: named metrics (accuracies in percent, MME in score
 * points), how many questions were scored, how many had no answer, and every data problem that
 * was skipped.
 *
 * @param headline  name of the main metric (a key of {@code metrics})
 * @param questions questions in the question file (after skipped bad lines)
 * @param scored    questions that had an answer and were scored
 * @param missing   questions without an answer; they are not in the metrics (see notes)
 */
public record Score(
        String benchmark,
        String headline,
        Map<String, Double> metrics,
        int questions,
        int scored,
        int missing,
        List<DataIssue> skipped,
        List<String> notes) {

    public Score {
        metrics = Collections.unmodifiableMap(new LinkedHashMap<>(metrics));
        skipped = List.copyOf(skipped);
        notes = List.copyOf(notes);
    }

    /** The headline metric's value. */
    public double value() {
        return metrics.get(headline);
    }

    /** A metric by name; throws if absent. */
    public double metric(String name) {
        Double v = metrics.get(name);
        if (v == null) {
            throw new IllegalArgumentException("no metric '" + name + "' in " + metrics.keySet());
        }
        return v;
    }

    /** A plain-text table: one metric per line, then counts, skipped problems and notes. */
    public String table() {
        StringBuilder sb = new StringBuilder();
        int w = Math.max(
                10, metrics.keySet().stream().mapToInt(String::length).max().orElse(10));
        sb.append(benchmark).append('\n');
        for (Map.Entry<String, Double> e : metrics.entrySet()) {
            sb.append(String.format(
                    Locale.ROOT,
                    "  %-" + w + "s %10s%s%n",
                    e.getKey(),
                    format(e.getValue()),
                    e.getKey().equals(headline) ? "   <- headline" : ""));
        }
        sb.append(String.format(
                Locale.ROOT,
                "  questions %d, scored %d, without answer %d, skipped problems %d%n",
                questions,
                scored,
                missing,
                skipped.size()));
        int shown = 0;
        for (DataIssue i : skipped) {
            if (shown++ == 20) {
                sb.append("  ... ").append(skipped.size() - 20).append(" more\n");
                break;
            }
            sb.append("  skipped: ").append(i).append('\n');
        }
        for (String n : notes) {
            sb.append("  note: ").append(n).append('\n');
        }
        return sb.toString();
    }

    private static String format(double v) {
        if (Double.isNaN(v)) {
            return "n/a";
        }
        if (v == Math.rint(v) && Math.abs(v) < 1e9) {
            return String.format(Locale.ROOT, "%.0f", v);
        }
        return String.format(Locale.ROOT, "%.2f", v);
    }

    /** Collects metrics and notes while a scorer runs. */
    public static final class Builder {
        private final String benchmark;
        private final String headline;
        private final Map<String, Double> metrics = new LinkedHashMap<>();
        private final List<String> notes = new ArrayList<>();

        public Builder(String benchmark, String headline) {
            this.benchmark = benchmark;
            this.headline = headline;
        }

        public Builder put(String name, double value) {
            metrics.put(name, value);
            return this;
        }

        public Builder note(String note) {
            notes.add(note);
            return this;
        }

        /** Finishes with the counts of {@code pairs} and the problems recorded in {@code log}. */
        public Score build(Pairing pairs, IssueLog log) {
            if (!metrics.containsKey(headline)) {
                metrics.put(headline, Double.NaN);
            }
            if (pairs.missing() > 0) {
                notes.add(
                        0,
                        pairs.missing() + " question(s) have no answer and are not scored;" + " metrics cover the "
                                + pairs.pairs().size() + " answered");
            }
            return new Score(
                    benchmark,
                    headline,
                    metrics,
                    pairs.questions(),
                    pairs.pairs().size(),
                    pairs.missing(),
                    log.issues(),
                    notes);
        }
    }
}
