package org.transprune.bench.choice;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.transprune.bench.Answer;
import org.transprune.bench.IssueLog;
import org.transprune.bench.JsonLines;
import org.transprune.bench.LlavaJsonlBenchmark;
import org.transprune.bench.Pairing;
import org.transprune.bench.QuestionId;
import org.transprune.bench.Sample;
import org.transprune.bench.Score;

/**
 * SEED-Bench (LLaVA's {@code llava-seed-bench.jsonl}: questions with their options already in
 * {@code text}; video questions use a middle frame). The paper's column is the image split.
 *
 * <p>Scored as LLaVA's {@code convert_seed_for_submission.py}: an answer is right when its text
 * equals the ground-truth letter exactly ("A." or "(A)" are wrong there); accuracy per question type
 * and per data type (image / video). The ground truth is {@code SEED-Bench.json} ({@code questions}
 * with {@code answer}, {@code question_type_id}, {@code data_type}; {@code question_type} maps names
 * to ids) or {@code answer} / {@code data_type} fields in the question file. As a diagnostic,
 * {@code letter_accuracy_image} also reads letters with VLMEvalKit's rule; it is not the official
 * number.
 */
public final class SeedBenchmark extends LlavaJsonlBenchmark {

    @Override
    public String name() {
        return "seed";
    }

    @Override
    public String title() {
        return "SEED-Bench (image split)";
    }

    @Override
    public String promptSuffix() {
        return "Answer with the option's letter from the given choices directly.";
    }

    @Override
    public String defaultQuestionFile() {
        return "seed_bench/llava-seed-bench.jsonl";
    }

    @Override
    public String defaultImageFolder() {
        return "seed_bench";
    }

    @Override
    public String defaultAnnotations() {
        return "seed_bench/SEED-Bench.json";
    }

    @Override
    public String headlineMetric() {
        return "accuracy_image";
    }

    @Override
    public Score score(List<Sample> samples, List<Answer> answers, Path annotations, IssueLog log) throws IOException {
        Map<String, JsonNode> truth = new HashMap<>();
        Map<String, String> typeNames = new HashMap<>();
        if (annotations != null) {
            JsonNode root = JsonLines.readFile(annotations);
            for (JsonNode q : root.path("questions")) {
                truth.put(QuestionId.of(q.get("question_id")), q);
            }
            root.path("question_type")
                    .fields()
                    .forEachRemaining(e -> typeNames.put(e.getValue().asText(), e.getKey()));
        }
        Pairing pairs = Pairing.join(this, samples, answers, log);
        Map<String, int[]> byData = new LinkedHashMap<>();
        Map<String, int[]> byType = new TreeMap<>();
        int[] all = new int[2];
        int[] lettersImage = new int[2];
        for (Pairing.Pair p : pairs.pairs()) {
            Sample s = p.sample();
            JsonNode t = truth.getOrDefault(s.key(), s.fields());
            String gold = t.path("answer").asText(null);
            if (gold == null) {
                log.report(
                        s.source(),
                        s.line(),
                        "no answer for SEED question " + s.key()
                                + (annotations == null ? " (pass --annotations SEED-Bench.json)" : ""));
                continue;
            }
            String dataType = t.path("data_type").asText(null);
            if (dataType == null) {
                String img = s.field("image");
                dataType = img != null && img.contains("video") ? "video" : "image";
            }
            boolean right = p.answer().text().equals(gold);
            count(all, right);
            count(byData.computeIfAbsent(dataType, k -> new int[2]), right);
            String type = t.path("question_type_id").asText(null);
            if (type != null) {
                count(byType.computeIfAbsent(typeNames.getOrDefault(type, type), k -> new int[2]), right);
            }
            if (dataType.equals("image")) {
                String letter = OptionLetters.vlmEvalKit(p.answer().text(), options(s.prompt()));
                count(lettersImage, gold.equals(letter));
            }
        }
        Score.Builder b = new Score.Builder("seed", "accuracy_image");
        b.put("accuracy_image", pct(byData.get("image")));
        if (byData.containsKey("video")) {
            b.put("accuracy_video", pct(byData.get("video")));
        }
        b.put("accuracy", pct(all));
        byType.forEach((k, v) -> b.put("type/" + k, pct(v)));
        b.put("letter_accuracy_image", pct(lettersImage));
        return b.build(pairs, log);
    }

    /** Options listed in the prompt as lines "A. text". */
    static Map<String, String> options(String prompt) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String line : prompt.split("\n")) {
            if (line.length() >= 3 && line.charAt(0) >= 'A' && line.charAt(0) <= 'Z' && line.startsWith(". ", 1)) {
                out.put(line.substring(0, 1), line.substring(3));
            }
        }
        return out;
    }

    private static void count(int[] c, boolean right) {
        c[0] += right ? 1 : 0;
        c[1]++;
    }

    private static double pct(int[] c) {
        return c == null || c[1] == 0 ? Double.NaN : 100.0 * c[0] / c[1];
    }
}
