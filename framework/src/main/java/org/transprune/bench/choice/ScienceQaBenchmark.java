package org.transprune.bench.choice;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PushbackReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.transprune.bench.Answer;
import org.transprune.bench.Benchmark;
import org.transprune.bench.BenchmarkDataException;
import org.transprune.bench.DataIssue;
import org.transprune.bench.ImageRef;
import org.transprune.bench.IssueLog;
import org.transprune.bench.JsonArrays;
import org.transprune.bench.JsonLines;
import org.transprune.bench.LlavaJsonlBenchmark;
import org.transprune.bench.Pairing;
import org.transprune.bench.QuestionId;
import org.transprune.bench.Sample;
import org.transprune.bench.Score;

/**
 * ScienceQA test, reported on its image subset (ScienceQA-IMG).
 *
 * <p>Questions come as LLaVA's {@code llava_test_CQM-A.json}: a JSON array of {@code id},
 * optional {@code image}, and {@code conversations} whose first value is the question ("Context:
 * ... Question: ... Options: (A) ... (B) ...") and whose second is "The answer is X.". Like
 * {@code model_vqa_science.py --single-pred-prompt}, the prompt is the question without
 * {@code <image>}, plus the letter instruction; the recorded prompt starts with "&lt;image&gt;\n"
 * for image questions. A JSONL file with {@code question_id}, {@code image}, {@code text} (and an
 * {@code answer} letter) is read too.
 *
 * <p>Scoring is LLaVA's {@code llava/eval/eval_science_qa.py} (as {@code scripts/v1_5/eval/sqa.sh}
 * runs it): {@link OptionLetters#scienceQa} reads the letter, which counts only if it is among the
 * question's options and equals the answer. The ground truth is {@code problems.json} (answer index
 * and choices), given as the file or as ScienceQA's data folder holding it (the script's
 * {@code --base-dir}); without it, the question file's "The answer is X." and the options listed in
 * the question. IMG accuracy covers answers whose recorded prompt holds {@code <image>}, the
 * script's {@code is_multimodal}.
 */
public final class ScienceQaBenchmark implements Benchmark {
    private static final Pattern OPTION = Pattern.compile("\\(([A-Z])\\) ");

    @Override
    public String name() {
        return "scienceqa";
    }

    @Override
    public String title() {
        return "ScienceQA test (IMG subset)";
    }

    @Override
    public String promptSuffix() {
        return "Answer with the option's letter from the given choices directly.";
    }

    @Override
    public String defaultQuestionFile() {
        return "scienceqa/llava_test_CQM-A.json";
    }

    @Override
    public String defaultImageFolder() {
        return "scienceqa/images/test";
    }

    @Override
    public String defaultAnnotations() {
        return "scienceqa/problems.json";
    }

    @Override
    public String headlineMetric() {
        return "img_accuracy";
    }

    @Override
    public List<Sample> readQuestions(Path questionFile, Path imageFolder, IssueLog log) throws IOException {
        List<Sample> out = new ArrayList<>();
        if (startsWithArray(questionFile)) {
            JsonArrays.forEach(questionFile, null, (rec, index) -> {
                Sample s = fromConversation(rec, questionFile, index, imageFolder, log);
                if (s != null) {
                    out.add(s);
                }
            });
        } else {
            JsonLines.read(questionFile, log, (rec, line) -> {
                JsonNode text = rec.get("text");
                String id = QuestionId.of(rec.get("question_id"));
                if (id == null || text == null || !text.isTextual()) {
                    log.report(questionFile, line, "question needs question_id and text");
                    return;
                }
                Sample s = build(
                        rec,
                        rec.get("question_id"),
                        text.asText(),
                        rec.path("image").asText(null),
                        questionFile,
                        line,
                        imageFolder,
                        log);
                if (s != null) {
                    out.add(s);
                }
            });
        }
        return out;
    }

    private Sample fromConversation(ObjectNode rec, Path file, int index, Path imageFolder, IssueLog log) {
        JsonNode id = rec.get("id");
        JsonNode first = rec.path("conversations").path(0).get("value");
        if (QuestionId.of(id) == null || first == null) {
            log.report(file, index, "element " + index + " needs id and conversations[0].value");
            return null;
        }
        String question = first.asText().replace("<image>", "").strip();
        String answer = rec.path("conversations").path(1).path("value").asText("");
        Matcher m = Pattern.compile("The answer is ([A-Z])").matcher(answer);
        if (m.find()) {
            rec.put("answer", m.group(1));
        }
        return build(rec, id, question, rec.path("image").asText(null), file, index, imageFolder, log);
    }

    private Sample build(
            ObjectNode rec,
            JsonNode id,
            String question,
            String image,
            Path file,
            int line,
            Path imageFolder,
            IssueLog log) {
        ImageRef ref = null;
        if (image != null && !image.isEmpty()) {
            ref = LlavaJsonlBenchmark.resolveImage(image, imageFolder, file, line, log);
            if (ref == null) {
                return null;
            }
        }
        String prompt = LlavaJsonlBenchmark.withSuffix(question, promptSuffix());
        String recorded = ref == null ? prompt : "<image>\n" + prompt;
        return new Sample(name(), QuestionId.of(id), id, ref, prompt, recorded, null, rec, file, line);
    }

    private static boolean startsWithArray(Path file) throws IOException {
        try (PushbackReader r = new PushbackReader(Files.newBufferedReader(file, StandardCharsets.UTF_8))) {
            int c;
            while ((c = r.read()) != -1) {
                if (!Character.isWhitespace(c) && c != '\uFEFF') {
                    return c == '[';
                }
            }
            return false;
        }
    }

    /** Option letters offered by a question (from its "(A) ... (B) ..." list). */
    static Set<String> offered(String question) {
        int at = question.lastIndexOf("Options:");
        Matcher m = OPTION.matcher(at < 0 ? question : question.substring(at));
        Set<String> out = new LinkedHashSet<>();
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    /**
     * {@code problems.json}: {@code annotations} itself, or the file of that name in it when it is
     * ScienceQA's data folder (what {@code eval_science_qa.py --base-dir} and LLaVA's {@code sqa.sh}
     * are given).
     */
    static Path problemsFile(Path annotations) {
        if (!Files.isDirectory(annotations)) {
            return annotations;
        }
        Path f = annotations.resolve("problems.json");
        if (!Files.isRegularFile(f)) {
            throw new BenchmarkDataException(
                    new DataIssue(annotations, 0, "no problems.json in this ScienceQA folder (pass it or its folder)"));
        }
        return f;
    }

    /**
     * eval_science_qa.py's {@code is_multimodal}: the answer's recorded prompt holds
     * {@code <image>}; for an answer without a prompt, whether the question has an image.
     */
    static boolean multimodal(Sample s, Answer a) {
        return a.prompt() != null ? a.prompt().contains("<image>") : s.image() != null;
    }

    @Override
    public Score score(List<Sample> samples, List<Answer> answers, Path annotations, IssueLog log) throws IOException {
        JsonNode problems = annotations == null ? null : JsonLines.readFile(problemsFile(annotations));
        Pairing pairs = Pairing.join(this, samples, answers, log);
        int correct = 0;
        int total = 0;
        int imgCorrect = 0;
        int imgTotal = 0;
        for (Pairing.Pair p : pairs.pairs()) {
            Sample s = p.sample();
            String truth;
            int choices;
            JsonNode prob = problems == null ? null : problems.get(s.key());
            if (prob != null && prob.has("answer") && prob.has("choices")) {
                int idx = prob.get("answer").asInt();
                truth = idx >= 0 && idx < OptionLetters.SQA_OPTIONS.size() ? OptionLetters.SQA_OPTIONS.get(idx) : null;
                choices = prob.get("choices").size();
            } else {
                truth = s.field("answer");
                choices = offered(s.prompt()).size();
            }
            if (truth == null || choices == 0) {
                log.report(
                        s.source(),
                        s.line(),
                        "no answer key for ScienceQA question " + s.key()
                                + (annotations == null ? " (pass --annotations problems.json)" : ""));
                continue;
            }
            String letter = OptionLetters.scienceQa(p.answer().text());
            // get_pred_idx: a letter beyond the question's choices counts as -1 (wrong).
            int index = letter == null ? -1 : OptionLetters.SQA_OPTIONS.indexOf(letter);
            boolean right = index >= 0 && index < choices && letter.equals(truth);
            total++;
            correct += right ? 1 : 0;
            if (multimodal(s, p.answer())) {
                imgTotal++;
                imgCorrect += right ? 1 : 0;
            }
        }
        Score.Builder b = new Score.Builder("scienceqa", "img_accuracy");
        b.put("img_accuracy", imgTotal == 0 ? Double.NaN : 100.0 * imgCorrect / imgTotal);
        b.put("accuracy", total == 0 ? Double.NaN : 100.0 * correct / total);
        b.put("img_questions", imgTotal);
        return b.build(pairs, log);
    }
}
