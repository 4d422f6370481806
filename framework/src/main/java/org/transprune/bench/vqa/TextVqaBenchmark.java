package org.transprune.bench.vqa;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.transprune.bench.Answer;
import org.transprune.bench.IssueLog;
import org.transprune.bench.JsonArrays;
import org.transprune.bench.LlavaJsonlBenchmark;
import org.transprune.bench.Pairing;
import org.transprune.bench.Sample;
import org.transprune.bench.Score;

/**
 * TextVQA val (LLaVA-1.5's {@code llava_textvqa_val_v051_ocr.jsonl}, with reference OCR tokens).
 *
 * <p>As in LLaVA's {@code eval_textvqa.py}, a result is matched to its annotation by
 * ({@code question_id}, question text in lower case): the file's {@code question_id} is the
 * TextVQA image id, and the question is recovered from the prompt (its first line, or the line
 * after a leading "Reference OCR token:" line, or the text between "Question:" and "Short
 * answer:"). Scoring is the m4c {@code TextVQAAccuracyEvaluator}: EvalAI processing of model and
 * human answers, then the leave-one-out soft accuracy over the ten human answers.
 */
public final class TextVqaBenchmark extends LlavaJsonlBenchmark {
    private static final Pattern OCR_QUESTION = Pattern.compile("Question: (.*?) Short answer:", Pattern.DOTALL);

    @Override
    public String name() {
        return "textvqa";
    }

    @Override
    public String title() {
        return "TextVQA val";
    }

    @Override
    public String promptSuffix() {
        return "Answer the question using a single word or phrase.";
    }

    @Override
    public String defaultQuestionFile() {
        return "textvqa/llava_textvqa_val_v051_ocr.jsonl";
    }

    @Override
    public String defaultImageFolder() {
        return "textvqa/train_images";
    }

    @Override
    public String defaultAnnotations() {
        return "textvqa/TextVQA_0.5.1_val.json";
    }

    @Override
    public String headlineMetric() {
        return "accuracy";
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
                s.category(),
                s.fields(),
                s.source(),
                s.line());
    }

    @Override
    public String keyOf(Answer a) {
        return key(a.id(), a.prompt() == null ? "" : a.prompt());
    }

    private static String key(String id, String prompt) {
        return id + '\u0000' + question(prompt);
    }

    /** The question inside a LLaVA TextVQA prompt, lower-cased (LLaVA's {@code prompt_processor}). */
    public static String question(String prompt) {
        String q;
        String[] lines = prompt.split("\n", -1);
        if (prompt.startsWith("OCR tokens: ")) {
            Matcher m = OCR_QUESTION.matcher(prompt);
            q = m.find() ? m.group(1) : prompt;
        } else if (prompt.contains("Reference OCR token: ") && lines.length == 3) {
            q = prompt.startsWith("Reference OCR token:") ? lines[1] : lines[0];
        } else {
            // LLaVA asserts on other shapes; the first line is the question in every LLaVA file.
            q = lines[0];
        }
        return q.toLowerCase(Locale.ROOT);
    }

    @Override
    public Score score(List<Sample> samples, List<Answer> answers, Path annotations, IssueLog log) throws IOException {
        if (annotations == null) {
            throw new IllegalArgumentException("TextVQA needs --annotations TextVQA_0.5.1_val.json");
        }
        Map<String, List<String>> truth = new HashMap<>();
        JsonArrays.forEach(annotations, "data", (a, i) -> {
            List<String> humans = new ArrayList<>();
            for (JsonNode h : a.path("answers")) {
                humans.add(h.asText());
            }
            String key = a.path("image_id").asText()
                    + '\u0000'
                    + a.path("question").asText().toLowerCase(Locale.ROOT);
            truth.put(key, humans);
        });
        Pairing pairs = Pairing.join(this, samples, answers, log);
        double sum = 0;
        int n = 0;
        for (Pairing.Pair p : pairs.pairs()) {
            List<String> humans = truth.get(p.sample().key());
            if (humans == null || humans.isEmpty()) {
                log.report(
                        p.sample().source(),
                        p.sample().line(),
                        "no annotation for image " + p.sample().field("question_id") + " and question '"
                                + question(p.sample().answerPrompt()) + "'");
                continue;
            }
            sum += accuracy(p.answer().text(), humans);
            n++;
        }
        Score.Builder b = new Score.Builder("textvqa", "accuracy");
        b.put("accuracy", n == 0 ? Double.NaN : 100 * sum / n);
        return b.build(pairs, log);
    }

    /** m4c soft accuracy of {@code answer}, in [0, 1]. */
    public static double accuracy(String answer, List<String> humanAnswers) {
        List<String> gts = new ArrayList<>();
        for (String h : humanAnswers) {
            gts.add(VqaNormalizer.evalAi(h));
        }
        return VqaAccuracy.of(VqaNormalizer.evalAi(answer), gts);
    }
}
