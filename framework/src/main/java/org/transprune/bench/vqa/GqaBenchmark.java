package org.transprune.bench.vqa;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.transprune.bench.Answer;
import org.transprune.bench.IssueLog;
import org.transprune.bench.JsonLines;
import org.transprune.bench.LlavaJsonlBenchmark;
import org.transprune.bench.Pairing;
import org.transprune.bench.Sample;
import org.transprune.bench.Score;

/**
 * GQA testdev-balanced. LLaVA's {@code convert_gqa_for_eval.py} turns each answer into
 * {@code text.rstrip('.').lower()}; GQA's {@code eval.py} then counts exact matches with the
 * question's {@code answer}, over questions with {@code isBalanced}. The ground truth is
 * {@code testdev_balanced_questions.json} (an object keyed by question id) or an {@code answer}
 * field in the question file.
 */
public final class GqaBenchmark extends LlavaJsonlBenchmark {

    @Override
    public String name() {
        return "gqa";
    }

    @Override
    public String title() {
        return "GQA testdev-balanced";
    }

    @Override
    public String promptSuffix() {
        return "Answer the question using a single word or phrase.";
    }

    @Override
    public String defaultQuestionFile() {
        return "gqa/llava_gqa_testdev_balanced.jsonl";
    }

    @Override
    public String defaultImageFolder() {
        return "gqa/data/images";
    }

    @Override
    public String defaultAnnotations() {
        return "gqa/data/testdev_balanced_questions.json";
    }

    @Override
    public String headlineMetric() {
        return "accuracy";
    }

    /** LLaVA's GQA answer processing: trailing periods removed, then lower case. */
    public static String prediction(String text) {
        int end = text.length();
        while (end > 0 && text.charAt(end - 1) == '.') {
            end--;
        }
        return text.substring(0, end).toLowerCase(Locale.ROOT);
    }

    @Override
    public Score score(List<Sample> samples, List<Answer> answers, Path annotations, IssueLog log) throws IOException {
        Map<String, JsonNode> truth = new HashMap<>();
        if (annotations != null) {
            JsonNode all = JsonLines.readFile(annotations);
            all.fields().forEachRemaining(e -> truth.put(e.getKey(), e.getValue()));
        }
        Pairing pairs = Pairing.join(this, samples, answers, log);
        int correct = 0;
        int n = 0;
        int unbalanced = 0;
        for (Pairing.Pair p : pairs.pairs()) {
            JsonNode t = truth.getOrDefault(p.sample().key(), p.sample().fields());
            JsonNode gold = t.get("answer");
            if (gold == null || gold.isNull()) {
                log.report(
                        p.sample().source(),
                        p.sample().line(),
                        "no ground-truth answer for GQA question " + p.sample().key()
                                + (annotations == null ? " (pass --annotations)" : " in " + annotations));
                continue;
            }
            if (t.has("isBalanced") && !t.get("isBalanced").asBoolean()) {
                unbalanced++;
                continue; // eval.py scores balanced questions only
            }
            n++;
            if (prediction(p.answer().text()).equals(gold.asText())) {
                correct++;
            }
        }
        Score.Builder b = new Score.Builder("gqa", "accuracy");
        b.put("accuracy", n == 0 ? Double.NaN : 100.0 * correct / n);
        if (unbalanced > 0) {
            b.note(unbalanced + " unbalanced question(s) not scored, as GQA's eval.py does");
        }
        return b.build(pairs, log);
    }
}
