package org.transprune.bench.yesno;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.transprune.bench.Answer;
import org.transprune.bench.IssueLog;
import org.transprune.bench.JsonLines;
import org.transprune.bench.LlavaJsonlBenchmark;
import org.transprune.bench.Pairing;
import org.transprune.bench.Sample;
import org.transprune.bench.Score;

/**
 * POPE on COCO val2014, splits adversarial / popular / random (the question's {@code category}).
 *
 * <p>Mirrors LLaVA's {@code eval_pope.py}: an answer is "no" when its first sentence (text before
 * the first period), with commas removed and split on single spaces, contains the word "No", "no"
 * or "not"; anything else is "yes". Labels come from a {@code label} field in the question file
 * or from {@code coco_pope_<split>.json} in the annotation folder; {@code eval_pope.py} pairs the
 * k-th answer of a split with the k-th line of that file, so labels are paired with the k-th
 * question of the split in question-file order (identical when, as LLaVA writes it, the answers
 * file follows the question file). Per split: accuracy, precision, recall, F1 and yes-ratio; the
 * headline is F1 averaged over the splits, the number LLaVA-1.5 reports.
 */
public final class PopeBenchmark extends LlavaJsonlBenchmark {
    /** The three POPE splits in the order reported. */
    public static final List<String> SPLITS = List.of("adversarial", "popular", "random");

    @Override
    public String name() {
        return "pope";
    }

    @Override
    public String title() {
        return "POPE (COCO val2014)";
    }

    @Override
    public String promptSuffix() {
        return "Answer the question using a single word or phrase.";
    }

    @Override
    public String defaultQuestionFile() {
        return "pope/llava_pope_test.jsonl";
    }

    @Override
    public String defaultImageFolder() {
        return "pope/val2014";
    }

    @Override
    public String defaultAnnotations() {
        return "pope/coco";
    }

    @Override
    public String headlineMetric() {
        return "f1";
    }

    /** LLaVA's yes/no reading of a POPE answer: true for yes. */
    public static boolean saysYes(String text) {
        int dot = text.indexOf('.');
        if (dot != -1) {
            text = text.substring(0, dot);
        }
        List<String> words = Arrays.asList(text.replace(",", "").split(" ", -1));
        return !(words.contains("No") || words.contains("not") || words.contains("no"));
    }

    /** Confusion counts of one split (positive = "yes"). */
    public record Counts(int tp, int fp, int tn, int fn) {
        public int total() {
            return tp + fp + tn + fn;
        }

        public double accuracy() {
            return (double) (tp + tn) / total();
        }

        /** NaN when nothing was predicted "yes" (eval_pope.py would divide by zero). */
        public double precision() {
            return tp + fp == 0 ? Double.NaN : (double) tp / (tp + fp);
        }

        public double recall() {
            return tp + fn == 0 ? Double.NaN : (double) tp / (tp + fn);
        }

        public double f1() {
            double p = precision();
            double r = recall();
            return 2 * p * r / (p + r);
        }

        public double yesRatio() {
            return (double) (tp + fp) / total();
        }
    }

    @Override
    public Score score(List<Sample> samples, List<Answer> answers, Path annotations, IssueLog log) throws IOException {
        Map<Sample, Boolean> labels = labels(samples, annotations, log);
        Pairing pairs = Pairing.join(this, samples, answers, log);
        Map<String, int[]> bySplit = new LinkedHashMap<>();
        for (String s : SPLITS) {
            bySplit.put(s, new int[4]);
        }
        for (Pairing.Pair p : pairs.pairs()) {
            Boolean label = labels.get(p.sample());
            if (label == null) {
                log.report(
                        p.sample().source(),
                        p.sample().line(),
                        "no label for POPE question " + p.sample().key()
                                + (annotations == null ? " (pass --annotations with coco_pope_<split>.json)" : ""));
                continue;
            }
            String split = p.sample().category() == null ? "all" : p.sample().category();
            int[] c = bySplit.computeIfAbsent(split, k -> new int[4]);
            boolean yes = saysYes(p.answer().text());
            c[yes ? (label ? 0 : 1) : (label ? 3 : 2)]++;
        }
        Score.Builder b = new Score.Builder("pope", "f1");
        double f1Sum = 0;
        double accSum = 0;
        int splits = 0;
        Map<String, Double> perSplit = new LinkedHashMap<>();
        for (Map.Entry<String, int[]> e : bySplit.entrySet()) {
            int[] c = e.getValue();
            Counts k = new Counts(c[0], c[1], c[2], c[3]);
            if (k.total() == 0) {
                continue;
            }
            String s = e.getKey();
            perSplit.put(s + "/accuracy", 100 * k.accuracy());
            perSplit.put(s + "/precision", 100 * k.precision());
            perSplit.put(s + "/recall", 100 * k.recall());
            perSplit.put(s + "/f1", 100 * k.f1());
            perSplit.put(s + "/yes_ratio", 100 * k.yesRatio());
            perSplit.put(s + "/tp", (double) k.tp());
            perSplit.put(s + "/fp", (double) k.fp());
            perSplit.put(s + "/tn", (double) k.tn());
            perSplit.put(s + "/fn", (double) k.fn());
            f1Sum += 100 * k.f1();
            accSum += 100 * k.accuracy();
            splits++;
        }
        b.put("f1", splits == 0 ? Double.NaN : f1Sum / splits);
        b.put("accuracy", splits == 0 ? Double.NaN : accSum / splits);
        perSplit.forEach(b::put);
        b.note("f1 and accuracy are means over the " + splits + " split(s) scored");
        return b.build(pairs, log);
    }

    /** Each sample's label: inline {@code label}, else positional from coco_pope_<split>.json. */
    private Map<Sample, Boolean> labels(List<Sample> samples, Path dir, IssueLog log) throws IOException {
        Map<Sample, Boolean> out = new IdentityHashMap<>();
        Map<String, List<Sample>> bySplit = new LinkedHashMap<>();
        for (Sample s : samples) {
            String inline = s.field("label");
            if (inline != null) {
                out.put(s, !inline.equals("no"));
            } else {
                bySplit.computeIfAbsent(String.valueOf(s.category()), k -> new ArrayList<>())
                        .add(s);
            }
        }
        if (bySplit.isEmpty() || dir == null) {
            return out;
        }
        for (Map.Entry<String, List<Sample>> e : bySplit.entrySet()) {
            Path file = dir.resolve("coco_pope_" + e.getKey() + ".json");
            if (!Files.isRegularFile(file)) {
                log.report(file, 0, "no label file for POPE split '" + e.getKey() + "'");
                continue;
            }
            List<JsonNode> rows = new ArrayList<>();
            List<Integer> lines = new ArrayList<>();
            JsonLines.read(file, log, (rec, line) -> {
                rows.add(rec);
                lines.add(line);
            });
            List<Sample> qs = e.getValue();
            if (rows.size() != qs.size()) {
                log.report(
                        file,
                        0,
                        rows.size() + " labels for " + qs.size() + " questions of split '" + e.getKey()
                                + "'; pairing by position would be wrong");
                continue;
            }
            for (int i = 0; i < qs.size(); i++) {
                JsonNode row = rows.get(i);
                Sample q = qs.get(i);
                String img = row.path("image").asText(null);
                String qImg = q.field("image");
                if (img != null && qImg != null && !img.equals(qImg)) {
                    log.report(
                            file,
                            lines.get(i),
                            "label is for image " + img + " but question at " + q.where() + " is about " + qImg);
                    continue;
                }
                // eval_pope.py: label 'no' is negative, anything else positive.
                out.put(q, !"no".equals(row.path("label").asText()));
            }
        }
        return out;
    }
}
