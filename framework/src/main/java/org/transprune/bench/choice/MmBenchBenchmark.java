package org.transprune.bench.choice;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.transprune.bench.Answer;
import org.transprune.bench.Benchmark;
import org.transprune.bench.ImageRef;
import org.transprune.bench.IssueLog;
import org.transprune.bench.JsonLines;
import org.transprune.bench.Pairing;
import org.transprune.bench.Sample;
import org.transprune.bench.Score;

/**
 * MMBench (dev, {@code mmbench_dev_20230712.tsv}): a TSV with {@code index}, {@code question},
 * {@code hint}, options {@code A}-{@code D}, {@code answer}, {@code category}, base64
 * {@code image}, ... Rows whose index differs by multiples of 1,000,000 are the same question
 * with its options rotated.
 *
 * <p>The prompt is built as {@code model_vqa_mmbench.py --single-pred-prompt} does: hint (if any)
 * and question on separate lines, then "A. option" lines up to the first empty option, then the
 * letter instruction; the recorded prompt omits the instruction, as LLaVA's does. Cells that
 * pandas reads as missing (empty, "nan", "None", "NA", "null", ...) count as absent.
 *
 * <p>Scoring follows the official circular evaluation (VLMEvalKit v0.2): letters are read with
 * {@link OptionLetters#vlmEvalKit} (the exact-matching judge with VLMEvalKit's default,
 * non-verbose settings; no LLM fallback, so an answer it cannot read is wrong), and a question counts as correct only if every rotated copy, grouped by
 * {@code index % 1000000}, is answered correctly. {@code single_accuracy} scores the
 * unrotated rows alone (the "vanilla" number).
 */
public final class MmBenchBenchmark implements Benchmark {
    /** Option columns in order. */
    public static final List<String> LETTERS = List.of("A", "B", "C", "D");

    /** Circular copies of a question have index + k * 1,000,000. */
    public static final long CIRCULAR_STRIDE = 1_000_000L;

    /** Cell values pandas' read_table turns into NaN by default. */
    private static final Set<String> PANDAS_NA = Set.of(
            "",
            "#N/A",
            "#N/A N/A",
            "#NA",
            "-1.#IND",
            "-1.#QNAN",
            "-NaN",
            "-nan",
            "1.#IND",
            "1.#QNAN",
            "<NA>",
            "N/A",
            "NA",
            "NULL",
            "NaN",
            "None",
            "n/a",
            "nan",
            "null");

    @Override
    public String name() {
        return "mmbench";
    }

    @Override
    public String title() {
        return "MMBench dev (circular)";
    }

    @Override
    public String promptSuffix() {
        return "Answer with the option's letter from the given choices directly.";
    }

    @Override
    public String defaultQuestionFile() {
        return "mmbench/mmbench_dev_20230712.tsv";
    }

    @Override
    public String defaultImageFolder() {
        return null;
    }

    @Override
    public String defaultAnnotations() {
        return null;
    }

    @Override
    public String headlineMetric() {
        return "accuracy";
    }

    /** LLaVA's {@code is_none} on a pandas cell: missing, or "nan"/"none" in any case. */
    static boolean isNone(String cell) {
        if (cell == null || PANDAS_NA.contains(cell)) {
            return true;
        }
        String low = cell.toLowerCase(Locale.ROOT);
        return low.equals("nan") || low.equals("none");
    }

    @Override
    public List<Sample> readQuestions(Path questionFile, Path imageFolder, IssueLog log) throws IOException {
        TsvTable t = TsvTable.read(questionFile);
        for (String need : List.of("index", "question", "A", "B", "image")) {
            if (t.column(need) < 0) {
                throw new IllegalArgumentException(questionFile + ": MMBench TSV has no '" + need + "' column");
            }
        }
        List<Sample> out = new ArrayList<>();
        for (int r = 0; r < t.rows().size(); r++) {
            List<String> row = t.rows().get(r);
            int line = t.lines().get(r);
            if (row.size() != t.header().size()) {
                log.report(
                        questionFile,
                        line,
                        "row has " + row.size() + " cells, header has "
                                + t.header().size());
                continue;
            }
            ObjectNode fields = JsonLines.MAPPER.createObjectNode();
            String image = null;
            for (int c = 0; c < row.size(); c++) {
                String col = t.header().get(c);
                if (col.equals("image")) {
                    image = row.get(c);
                } else if (!isNone(row.get(c))) {
                    fields.put(col, row.get(c));
                }
            }
            String index = fields.path("index").asText(null);
            long idx;
            try {
                idx = Long.parseLong(index);
            } catch (NumberFormatException | NullPointerException e) {
                log.report(questionFile, line, "index '" + index + "' is not a number");
                continue;
            }
            if (isNone(image)) {
                log.report(questionFile, line, "question " + index + " has no image");
                continue;
            }
            StringBuilder q = new StringBuilder();
            if (fields.hasNonNull("hint")) {
                q.append(fields.get("hint").asText()).append('\n');
            }
            q.append(fields.path("question").asText());
            for (String letter : LETTERS) {
                if (!fields.has(letter)) {
                    break; // get_options stops at the first missing option
                }
                q.append('\n')
                        .append(letter)
                        .append(". ")
                        .append(fields.get(letter).asText());
            }
            String recorded = q.toString();
            String prompt = recorded + "\n" + promptSuffix();
            fields.put("index", idx);
            out.add(new Sample(
                    name(),
                    Long.toString(idx),
                    fields.get("index"),
                    new ImageRef.Encoded(image),
                    prompt,
                    recorded,
                    fields.path("category").asText(null),
                    fields,
                    questionFile,
                    line));
        }
        return out;
    }

    /** LLaVA's all-rounds mode writes round_id; rotated rounds are not in the question file. */
    @Override
    public String keyOf(Answer a) {
        if (a.roundId() != null && a.roundId() != 0) {
            return a.id() + "#round" + a.roundId();
        }
        return a.id();
    }

    /**
     * Option letter to text as VLMEvalKit's {@code build_choices} gives them to the matcher: every
     * column A-Z of the row that is present and not missing (the prompt, like LLaVA's, stops at the
     * first missing option; the matcher does not).
     */
    static Map<String, String> choices(Sample s) {
        Map<String, String> out = new LinkedHashMap<>();
        for (char c = 'A'; c <= 'Z'; c++) {
            String v = s.field(String.valueOf(c));
            if (v != null) {
                out.put(String.valueOf(c), v);
            }
        }
        return out;
    }

    @Override
    public Score score(List<Sample> samples, List<Answer> answers, Path annotations, IssueLog log) {
        Pairing pairs = Pairing.join(this, samples, answers, log);
        // main index -> [variants in file, variants answered, variants right]
        Map<Long, int[]> groups = new TreeMap<>();
        Map<Long, String> groupCategory = new LinkedHashMap<>();
        int noKey = 0;
        for (Sample s : samples) {
            if (s.field("answer") == null) {
                noKey++;
                continue;
            }
            long main = Long.parseLong(s.key()) % CIRCULAR_STRIDE;
            groups.computeIfAbsent(main, k -> new int[3])[0]++;
            groupCategory.putIfAbsent(main, s.category());
        }
        if (noKey == samples.size() && !samples.isEmpty()) {
            throw new IllegalArgumentException("this MMBench file has no 'answer' column (test split):"
                    + " write the submission table instead and upload it");
        }
        int singleRight = 0;
        int singleTotal = 0;
        for (Pairing.Pair p : pairs.pairs()) {
            Sample s = p.sample();
            String gold = s.field("answer");
            if (gold == null) {
                log.report(s.source(), s.line(), "MMBench question " + s.key() + " has no answer");
                continue;
            }
            String letter = OptionLetters.vlmEvalKit(p.answer().text(), choices(s));
            boolean right = gold.equals(letter);
            long idx = Long.parseLong(s.key());
            int[] g = groups.get(idx % CIRCULAR_STRIDE);
            g[1]++;
            g[2] += right ? 1 : 0;
            if (idx < CIRCULAR_STRIDE) {
                singleTotal++;
                singleRight += right ? 1 : 0;
            }
        }
        int right = 0;
        int scored = 0;
        int incomplete = 0;
        Map<String, int[]> byCategory = new TreeMap<>();
        for (Map.Entry<Long, int[]> e : groups.entrySet()) {
            int[] g = e.getValue();
            if (g[1] == 0) {
                continue;
            }
            if (g[1] < g[0]) {
                incomplete++; // not every rotation answered: circular result unknown
                continue;
            }
            boolean ok = g[2] == g[0];
            scored++;
            right += ok ? 1 : 0;
            String cat = groupCategory.get(e.getKey());
            if (cat != null) {
                int[] c = byCategory.computeIfAbsent(cat, k -> new int[2]);
                c[0] += ok ? 1 : 0;
                c[1]++;
            }
        }
        Score.Builder b = new Score.Builder("mmbench", "accuracy");
        b.put("accuracy", scored == 0 ? Double.NaN : 100.0 * right / scored);
        b.put("single_accuracy", singleTotal == 0 ? Double.NaN : 100.0 * singleRight / singleTotal);
        b.put("circular_groups", scored);
        byCategory.forEach((k, v) -> b.put("category/" + k, 100.0 * v[0] / v[1]));
        if (incomplete > 0) {
            b.note(incomplete
                    + " question group(s) have unanswered rotations and are left out of the circular accuracy");
        }
        return b.build(pairs, log);
    }
}
