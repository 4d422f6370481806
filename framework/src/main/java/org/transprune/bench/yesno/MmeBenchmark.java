package org.transprune.bench.yesno;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.transprune.bench.Answer;
import org.transprune.bench.IssueLog;
import org.transprune.bench.LlavaJsonlBenchmark;
import org.transprune.bench.Pairing;
import org.transprune.bench.Sample;
import org.transprune.bench.Score;

/**
 * MME: 14 yes/no subtasks, two questions per image.
 *
 * <p>Mirrors LLaVA's {@code convert_answer_to_mme.py} and MME's {@code eval_tool/calculation.py}.
 * The ground truth for (subtask, image file stem, question) comes from the MME release folder
 * ({@code <subtask>/questions_answers_YN/*.txt} or {@code <subtask>/*.txt}, lines
 * "question TAB Yes|No"), or from an {@code answer} field in the question file. The question is the
 * prompt without LLaVA's "Answer the question using a single word or phrase.", with
 * " Please answer yes or no." appended when absent (two spaces if that is how MME spells it).
 * A prediction is its lower-cased text if that is exactly "yes"/"no", else "yes" or "no" if its
 * first four characters (code points, as Python counts them) contain that word (yes first), else
 * "other" (always wrong).
 *
 * <p>Per subtask: acc = correct / questions, acc+ = images with both questions right / images;
 * score = 100·acc + 100·acc+. Perception = sum of the ten perception subtask scores (max 2000),
 * cognition = sum of the four cognition ones (max 800); the paper's MME column is perception.
 * calculation.py pairs consecutive lines; here the two questions of an image are grouped by
 * {@code question_id} (the image path), which is the same for LLaVA's files and safe when the
 * answers are reordered.
 */
public final class MmeBenchmark extends LlavaJsonlBenchmark {
    /** Perception subtasks in MME's order. */
    public static final List<String> PERCEPTION = List.of(
            "existence", "count", "position", "color", "posters", "celebrity", "scene", "landmark", "artwork", "OCR");

    /** Cognition subtasks in MME's order. */
    public static final List<String> COGNITION =
            List.of("commonsense_reasoning", "numerical_calculation", "text_translation", "code_reasoning");

    private static final String LLAVA_SUFFIX = "Answer the question using a single word or phrase.";
    private static final String YES_NO = "Please answer yes or no.";

    @Override
    public String name() {
        return "mme";
    }

    @Override
    public String title() {
        return "MME";
    }

    @Override
    public String promptSuffix() {
        return LLAVA_SUFFIX;
    }

    @Override
    public String defaultQuestionFile() {
        return "MME/llava_mme.jsonl";
    }

    @Override
    public String defaultImageFolder() {
        return "MME/MME_Benchmark_release_version";
    }

    @Override
    public String defaultAnnotations() {
        return "MME/MME_Benchmark_release_version";
    }

    @Override
    public String headlineMetric() {
        return "perception";
    }

    @Override
    protected Sample withKey(Sample s) {
        return new Sample(
                s.benchmark(),
                key(s.key(), s.answerPrompt()),
                s.questionId(),
                s.image(),
                s.prompt(),
                s.answerPrompt(),
                subtask(s.category(), s.key()),
                s.fields(),
                s.source(),
                s.line());
    }

    /** Both questions of an image share its question_id, so the question text is part of the key. */
    @Override
    public String keyOf(Answer a) {
        return key(a.id(), a.prompt() == null ? "" : a.prompt());
    }

    private static String key(String id, String prompt) {
        return id + '\u0000' + question(prompt);
    }

    private static String subtask(String category, String questionId) {
        if (category != null) {
            return category;
        }
        int slash = questionId.indexOf('/');
        return slash < 0 ? questionId : questionId.substring(0, slash);
    }

    /** The question as MME's ground-truth files spell it (without trying the two-space variant). */
    static String question(String prompt) {
        String q = prompt;
        if (q.contains(LLAVA_SUFFIX)) {
            q = q.replace(LLAVA_SUFFIX, "").strip();
        }
        if (!q.contains(YES_NO)) {
            q = q + " " + YES_NO;
        }
        return q;
    }

    /**
     * calculation.py's reading of a prediction: "yes", "no" or "other". Its {@code pred_ans[:4]}
     * takes four code points (Python strings), not four UTF-16 units: an answer starting with an
     * emoji still has three characters of text in its prefix.
     */
    public static String parse(String text) {
        String s = text.toLowerCase(Locale.ROOT);
        if (s.equals("yes") || s.equals("no")) {
            return s;
        }
        String prefix = s.substring(0, s.offsetByCodePoints(0, Math.min(4, s.codePointCount(0, s.length()))));
        if (prefix.contains("yes")) {
            return "yes";
        }
        if (prefix.contains("no")) {
            return "no";
        }
        return "other";
    }

    /** The image file stem as convert_answer_to_mme.py derives it: last path part, up to the first dot. */
    static String fileStem(String questionId) {
        String last = questionId.substring(questionId.lastIndexOf('/') + 1);
        int dot = last.indexOf('.');
        return dot < 0 ? last : last.substring(0, dot);
    }

    @Override
    public Score score(List<Sample> samples, List<Answer> answers, Path annotations, IssueLog log) throws IOException {
        Map<String, String> gt = annotations == null ? Map.of() : groundTruth(annotations);
        Pairing pairs = Pairing.join(this, samples, answers, log);
        // subtask -> image -> [answered, correct]
        Map<String, Map<String, int[]>> tasks = new LinkedHashMap<>();
        for (Pairing.Pair p : pairs.pairs()) {
            Sample s = p.sample();
            String truth = truth(s, gt);
            if (truth == null) {
                log.report(
                        s.source(),
                        s.line(),
                        "no MME ground truth for " + s.field("question_id") + " '" + question(s.answerPrompt()) + "'"
                                + (annotations == null ? " (pass --annotations)" : ""));
                continue;
            }
            boolean right = parse(p.answer().text()).equals(truth.toLowerCase(Locale.ROOT));
            int[] img = tasks.computeIfAbsent(s.category(), k -> new LinkedHashMap<>())
                    .computeIfAbsent(s.field("question_id"), k -> new int[2]);
            img[0]++;
            img[1] += right ? 1 : 0;
        }
        Score.Builder b = new Score.Builder("mme", "perception");
        double perception = 0;
        double cognition = 0;
        Map<String, Double> detail = new LinkedHashMap<>();
        List<String> order = new ArrayList<>(PERCEPTION);
        order.addAll(COGNITION);
        tasks.keySet().stream().filter(t -> !order.contains(t)).forEach(order::add);
        for (String task : order) {
            Map<String, int[]> images = tasks.get(task);
            if (images == null) {
                continue;
            }
            int questions = 0;
            int correct = 0;
            int pairsCounted = 0;
            int bothRight = 0;
            for (Map.Entry<String, int[]> e : images.entrySet()) {
                int[] c = e.getValue();
                questions += c[0];
                correct += c[1];
                if (c[0] != 2) {
                    // calculation.py asserts two questions per image; such an image has no acc+.
                    log.report(
                            null,
                            0,
                            "MME " + task + " image " + e.getKey() + " has " + c[0]
                                    + " scored question(s), not 2; left out of acc+");
                    continue;
                }
                pairsCounted++;
                bothRight += c[1] == 2 ? 1 : 0;
            }
            double acc = 100.0 * correct / questions;
            double accPlus = pairsCounted == 0 ? 0 : 100.0 * bothRight / pairsCounted;
            double score = acc + accPlus;
            detail.put(task + "/acc", acc);
            detail.put(task + "/acc+", accPlus);
            detail.put(task + "/score", score);
            if (PERCEPTION.contains(task)) {
                perception += score;
            } else if (COGNITION.contains(task)) {
                cognition += score;
            }
        }
        b.put("perception", perception);
        b.put("cognition", cognition);
        b.put("total", perception + cognition);
        detail.forEach(b::put);
        return b.build(pairs, log);
    }

    /** Ground truth for a sample: inline {@code answer}, else the release folder's txt files. */
    private static String truth(Sample s, Map<String, String> gt) {
        String inline = s.field("answer");
        if (inline != null) {
            return inline;
        }
        String q = question(s.answerPrompt());
        String base = s.category() + '\u0000' + fileStem(s.field("question_id")) + ".txt" + '\u0000';
        String t = gt.get(base + q);
        if (t == null) {
            // Some MME files put two spaces before "Please answer yes or no." (LLaVA tries both).
            t = gt.get(base + q.replace(" " + YES_NO, "  " + YES_NO));
        }
        return t;
    }

    /** (subtask, txt file name, question) -> answer from the MME release folder. */
    static Map<String, String> groundTruth(Path root) throws IOException {
        if (!Files.isDirectory(root)) {
            throw new IllegalArgumentException(
                    "MME annotations must be the MME_Benchmark_release_version folder: " + root);
        }
        Map<String, String> gt = new HashMap<>();
        try (Stream<Path> cats = Files.list(root)) {
            for (Path cat : (Iterable<Path>) cats.filter(Files::isDirectory)::iterator) {
                Path qa = Files.isDirectory(cat.resolve("images")) ? cat.resolve("questions_answers_YN") : cat;
                if (!Files.isDirectory(qa)) {
                    continue;
                }
                try (Stream<Path> txts = Files.list(qa)) {
                    for (Path txt :
                            (Iterable<Path>) txts.filter(p -> p.toString().endsWith(".txt"))::iterator) {
                        for (String line : Files.readAllLines(txt, StandardCharsets.UTF_8)) {
                            String[] parts = line.strip().split("\t");
                            if (parts.length == 2) {
                                gt.put(
                                        cat.getFileName() + "\u0000" + txt.getFileName() + "\u0000" + parts[0],
                                        parts[1]);
                            }
                        }
                    }
                }
            }
        }
        return gt;
    }
}
