package org.transprune.synth;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.transprune.bench.Answer;
import org.transprune.bench.GroundTruthRegions;
import org.transprune.bench.IssueLog;
import org.transprune.bench.LlavaJsonlBenchmark;
import org.transprune.bench.Pairing;
import org.transprune.bench.PerSampleScoring;
import org.transprune.bench.Sample;
import org.transprune.bench.Score;

/**
 * The synthetic benchmark ({@code transprune synth}) as a runner benchmark named {@value #NAME}:
 * exact match of the normalised answer, overall and per question type ({@code category}), plus
 * {@link GroundTruthRegions ground-truth regions}: the patches that hold each question's answer, so
 * selection recall (how many of them each pruning stage kept) is measured. Its files live in one dataset directory: {@code questions.jsonl},
 * {@code images/} and the answer key {@code answers.jsonl}.
 */
public final class SynthBenchmark extends LlavaJsonlBenchmark implements PerSampleScoring, GroundTruthRegions {
    public static final String NAME = "synth";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String title() {
        return "Synthetic shapes (transprune synth)";
    }

    @Override
    public String promptSuffix() {
        return Vocabulary.LLAVA_SHORT_ANSWER_SUFFIX;
    }

    @Override
    public String defaultQuestionFile() {
        return SynthDataset.QUESTIONS;
    }

    @Override
    public String defaultImageFolder() {
        return SynthDataset.IMAGES;
    }

    @Override
    public String defaultAnnotations() {
        return SynthDataset.ANSWERS;
    }

    @Override
    public String headlineMetric() {
        return "accuracy";
    }

    /** Lower case, trimmed, trailing periods removed: "Yes." and "yes" are the same answer. */
    public static String normalize(String text) {
        String t = text.strip().toLowerCase(Locale.ROOT);
        int end = t.length();
        while (end > 0 && t.charAt(end - 1) == '.') {
            end--;
        }
        return t.substring(0, end).strip();
    }

    /** The answer key by question id; {@code annotations} is the dataset directory or its answers file. */
    public static Map<String, Question> answerKey(Path annotations) throws IOException {
        Path dir = Files.isDirectory(annotations)
                ? annotations
                : annotations.toAbsolutePath().getParent();
        Map<String, Question> key = new HashMap<>();
        for (AnswerKeyEntry e : SynthDataset.readAnswers(dir)) {
            key.put(Long.toString(e.questionId()), e.question());
        }
        return key;
    }

    @Override
    public Judge judge(Path annotations) throws IOException {
        if (annotations == null) {
            throw new IllegalArgumentException("synth needs its answer key (answers.jsonl) to score");
        }
        Map<String, Question> key = answerKey(annotations);
        return (sample, answer) -> {
            Question q = key.get(sample.key());
            return q == null ? null : normalize(answer).equals(q.answer());
        };
    }

    @Override
    public Score score(List<Sample> samples, List<Answer> answers, Path annotations, IssueLog log) throws IOException {
        Map<String, Question> key = answerKey(annotations);
        Pairing pairs = Pairing.join(this, samples, answers, log);
        Map<String, int[]> perCategory = new TreeMap<>();
        int right = 0;
        int n = 0;
        for (Pairing.Pair p : pairs.pairs()) {
            Question q = key.get(p.sample().key());
            if (q == null) {
                log.report(
                        p.sample().source(),
                        p.sample().line(),
                        "question " + p.sample().key() + " is not in the answer key");
                continue;
            }
            boolean ok = normalize(p.answer().text()).equals(q.answer());
            int[] c = perCategory.computeIfAbsent(q.type().category(), k -> new int[2]);
            c[0] += ok ? 1 : 0;
            c[1]++;
            right += ok ? 1 : 0;
            n++;
        }
        Score.Builder b = new Score.Builder(NAME, "accuracy");
        b.put("accuracy", n == 0 ? Double.NaN : 100.0 * right / n);
        perCategory.forEach((cat, c) -> b.put("accuracy/" + cat, 100.0 * c[0] / c[1]));
        return b.build(pairs, log);
    }

    @Override
    public List<String> questionTypes() {
        return Arrays.stream(QuestionType.values()).map(QuestionType::category).toList();
    }

    @Override
    public Regions regions(Path annotations) throws IOException {
        if (annotations == null) {
            throw new IllegalArgumentException("synth needs its answer key (answers.jsonl) for its regions");
        }
        Map<String, Question> key = answerKey(annotations);
        return sample -> {
            Question q = key.get(sample.key());
            return q == null ? null : new Region(q.text(), q.answer(), q.type().category(), q::relevantPatches);
        };
    }
}
