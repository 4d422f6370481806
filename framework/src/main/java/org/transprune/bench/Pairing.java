package org.transprune.bench;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Answers joined to their questions by {@link Benchmark#keyOf(Answer)}, in question-file order.
 * An answer whose key matches no question, or a second answer to the same question, is reported
 * with its answers-file line; questions without an answer are counted as missing.
 *
 * @param pairs     question and answer, in question order
 * @param questions number of questions
 * @param missing   questions without an answer
 */
public record Pairing(List<Pair> pairs, int questions, int missing) {

    /** A question and the answer given to it. */
    public record Pair(Sample sample, Answer answer) {}

    /** Joins {@code answers} to {@code samples}. */
    public static Pairing join(Benchmark bench, List<Sample> samples, List<Answer> answers, IssueLog log) {
        Map<String, Sample> byKey = new HashMap<>();
        for (Sample s : samples) {
            Sample prev = byKey.putIfAbsent(s.key(), s);
            if (prev != null) {
                log.report(
                        s.source(), s.line(), "duplicate question " + s.key() + " (first at line " + prev.line() + ")");
            }
        }
        Map<String, Answer> byQuestion = new HashMap<>();
        for (Answer a : answers) {
            String key = bench.keyOf(a);
            if (!byKey.containsKey(key)) {
                log.report(
                        a.source(),
                        a.line(),
                        "answer to unknown question id " + a.id()
                                + (key.equals(a.id()) ? "" : " (key " + key.replace('\u0000', '|') + ")"));
                continue;
            }
            Answer prev = byQuestion.putIfAbsent(key, a);
            if (prev != null) {
                log.report(
                        a.source(),
                        a.line(),
                        "second answer to question " + a.id() + " (first at line " + prev.line() + "); ignored");
            }
        }
        List<Pair> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        int missing = 0;
        for (Sample s : samples) {
            if (!seen.add(s.key())) {
                continue;
            }
            Answer a = byQuestion.get(s.key());
            if (a == null) {
                missing++;
            } else {
                out.add(new Pair(s, a));
            }
        }
        return new Pairing(out, seen.size(), missing);
    }
}
