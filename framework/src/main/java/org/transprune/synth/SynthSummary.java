package org.transprune.synth;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What a generated dataset contains, and the accuracies reachable without looking at the image.
 *
 * @param answerCounts per category, the count of each answer (in the type's answer order)
 * @param majorityAnswer per category, the most frequent answer (first in answer order on ties)
 * @param majorityShare per category, the share of questions the majority answer gets right
 * @param templatePriorShare per category, the accuracy of answering each question template (the
 *     question with colour and shape-kind words masked) with its most frequent answer: roughly what
 *     a model can reach from the question alone (a blank image). It is above the majority share
 *     where the template narrows the answers: "on the left or the right ?" leaves two of four
 *     position answers, and "how many shapes" excludes 0. (Exact question texts are not used: most
 *     occur once, so their in-sample majority would be right by construction.)
 */
public record SynthSummary(
        String generatorVersion,
        long seed,
        String split,
        int images,
        int questionsPerImage,
        int questions,
        String suffix,
        Map<String, Integer> questionsPerCategory,
        Map<String, Map<String, Integer>> answerCounts,
        Map<String, String> majorityAnswer,
        Map<String, Double> majorityShare,
        Map<String, Double> templatePriorShare,
        double overallMajorityShare,
        double overallTemplatePriorShare) {

    /** Summarises {@code questions} generated with the given settings. */
    public static SynthSummary of(
            long seed, Split split, int images, int questionsPerImage, String suffix, List<Question> questions) {
        Map<String, Integer> perCategory = new LinkedHashMap<>();
        Map<String, Map<String, Integer>> answers = new LinkedHashMap<>();
        Map<String, String> majority = new LinkedHashMap<>();
        Map<String, Double> majorityShare = new LinkedHashMap<>();
        Map<String, Double> templatePrior = new LinkedHashMap<>();
        int majorityHits = 0;
        int priorHits = 0;
        for (QuestionType t : QuestionType.values()) {
            List<Question> ofType =
                    questions.stream().filter(q -> q.type() == t).toList();
            Map<String, Integer> counts = new LinkedHashMap<>();
            for (String a : t.answers()) {
                counts.put(a, 0);
            }
            // Per template, counts of each answer; only looked up, never iterated for output order.
            Map<String, int[]> byTemplate = new HashMap<>();
            for (Question q : ofType) {
                counts.merge(q.answer(), 1, Integer::sum);
                byTemplate
                        .computeIfAbsent(q.template(), k -> new int[t.answers().size()])[t.answerIndex(q.answer())]++;
            }
            String top = t.answers().get(0);
            for (String a : t.answers()) {
                if (counts.get(a) > counts.get(top)) {
                    top = a;
                }
            }
            int prior = 0;
            for (int[] c : byTemplate.values()) {
                int max = 0;
                for (int v : c) {
                    max = Math.max(max, v);
                }
                prior += max;
            }
            perCategory.put(t.category(), ofType.size());
            answers.put(t.category(), counts);
            majority.put(t.category(), top);
            majorityShare.put(t.category(), share(counts.get(top), ofType.size()));
            templatePrior.put(t.category(), share(prior, ofType.size()));
            majorityHits += counts.get(top);
            priorHits += prior;
        }
        return new SynthSummary(
                SynthSampler.VERSION,
                seed,
                split.label(),
                images,
                questionsPerImage,
                questions.size(),
                suffix,
                perCategory,
                answers,
                majority,
                majorityShare,
                templatePrior,
                share(majorityHits, questions.size()),
                share(priorHits, questions.size()));
    }

    private static double share(int hits, int total) {
        // Rounded so that summaries print and compare cleanly.
        return total == 0 ? 0.0 : Math.round(10000.0 * hits / total) / 10000.0;
    }

    /** A human-readable table of the summary, one line per question type. */
    public String format() {
        List<String> lines = new ArrayList<>();
        lines.add(String.format(
                Locale.ROOT,
                "%s, seed %d, split %s: %d images, %d questions",
                generatorVersion,
                seed,
                split,
                images,
                questions));
        lines.add(String.format(
                Locale.ROOT,
                "%-9s %6s  %-16s %-14s  %s",
                "category",
                "count",
                "majority",
                "template prior",
                "answers"));
        for (String c : questionsPerCategory.keySet()) {
            lines.add(String.format(
                    Locale.ROOT,
                    "%-9s %6d  %-8s %6.1f%%  %11.1f%%     %s",
                    c,
                    questionsPerCategory.get(c),
                    majorityAnswer.get(c),
                    100 * majorityShare.get(c),
                    100 * templatePriorShare.get(c),
                    answerCounts.get(c)));
        }
        lines.add(String.format(
                Locale.ROOT,
                "overall   %6d  %-8s %6.1f%%  %11.1f%%",
                questions,
                "",
                100 * overallMajorityShare,
                100 * overallTemplatePriorShare));
        return String.join(System.lineSeparator(), lines);
    }
}
