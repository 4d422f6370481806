package org.transprune.bench.vqa;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.transprune.bench.Answer;
import org.transprune.bench.IssueLog;
import org.transprune.bench.JsonArrays;
import org.transprune.bench.LlavaJsonlBenchmark;
import org.transprune.bench.Pairing;
import org.transprune.bench.QuestionId;
import org.transprune.bench.Sample;
import org.transprune.bench.Score;

/**
 * VQAv2. LLaVA-1.5 reports test-dev, which only the EvalAI server can score (see
 * {@link org.transprune.bench.Submissions#vqav2}); locally a split with annotations (e.g. val2014,
 * {@code v2_mscoco_val2014_annotations.json}) is scored as the 2017 {@code vqaEval.py} of the
 * official VQA API (GT-Vision-Lab/VQA) does; for test-dev the EvalAI server's number is
 * authoritative: the model answer goes through punctuation and digit/article processing; the ten human
 * answers get punctuation processing only, and only when they are not all identical; then the
 * leave-one-out soft accuracy ({@link VqaAccuracy}).
 */
public final class VqaV2Benchmark extends LlavaJsonlBenchmark {

    @Override
    public String name() {
        return "vqav2";
    }

    @Override
    public String title() {
        return "VQAv2 (test-dev via EvalAI; local scoring needs annotations)";
    }

    @Override
    public String promptSuffix() {
        return "Answer the question using a single word or phrase.";
    }

    @Override
    public String defaultQuestionFile() {
        return "vqav2/llava_vqav2_mscoco_test-dev2015.jsonl";
    }

    @Override
    public String defaultImageFolder() {
        return "vqav2/test2015";
    }

    @Override
    public String defaultAnnotations() {
        return null;
    }

    @Override
    public String headlineMetric() {
        return "accuracy";
    }

    /** One annotated question: its human answers and types. */
    record Truth(List<String> answers, String answerType, String questionType) {}

    @Override
    public Score score(List<Sample> samples, List<Answer> answers, Path annotations, IssueLog log) throws IOException {
        if (annotations == null) {
            throw new IllegalArgumentException("VQAv2 needs --annotations (e.g. v2_mscoco_val2014_annotations.json);"
                    + " test-dev has no public answers: write the EvalAI submission file instead");
        }
        Set<String> wanted = new HashSet<>();
        samples.forEach(s -> wanted.add(s.key()));
        Map<String, Truth> truth = new HashMap<>();
        JsonArrays.forEach(annotations, "annotations", (a, i) -> {
            String qid = QuestionId.of(a.get("question_id"));
            if (qid == null || !wanted.contains(qid)) {
                return;
            }
            List<String> humans = new ArrayList<>();
            for (JsonNode h : a.path("answers")) {
                humans.add(h.path("answer").asText());
            }
            truth.put(
                    qid,
                    new Truth(
                            humans,
                            a.path("answer_type").asText(null),
                            a.path("question_type").asText(null)));
        });
        Pairing pairs = Pairing.join(this, samples, answers, log);
        double sum = 0;
        int n = 0;
        Map<String, double[]> byType = new TreeMap<>();
        for (Pairing.Pair p : pairs.pairs()) {
            Truth t = truth.get(p.sample().key());
            if (t == null || t.answers().isEmpty()) {
                log.report(
                        annotations,
                        0,
                        "no human answers for question " + p.sample().key() + " (asked at "
                                + p.sample().where() + ")");
                continue;
            }
            double acc = accuracy(p.answer().text(), t.answers());
            sum += acc;
            n++;
            if (t.answerType() != null) {
                double[] a = byType.computeIfAbsent(t.answerType(), k -> new double[2]);
                a[0] += acc;
                a[1]++;
            }
        }
        Score.Builder b = new Score.Builder("vqav2", "accuracy");
        b.put("accuracy", n == 0 ? Double.NaN : 100 * sum / n);
        byType.forEach((k, v) -> b.put("accuracy/" + k, 100 * v[0] / v[1]));
        return b.build(pairs, log);
    }

    /** Soft accuracy of {@code answer} as {@code vqaEval.py} computes it, in [0, 1]. */
    public static double accuracy(String answer, List<String> humanAnswers) {
        String res = VqaNormalizer.vqaEval(answer);
        List<String> gts = humanAnswers;
        if (new HashSet<>(humanAnswers).size() > 1) {
            gts = new ArrayList<>();
            for (String h : humanAnswers) {
                gts.add(VqaNormalizer.processPunctuation(h, VqaNormalizer.COMMA_STRIP_VQA));
            }
        }
        return VqaAccuracy.of(res, gts);
    }
}
