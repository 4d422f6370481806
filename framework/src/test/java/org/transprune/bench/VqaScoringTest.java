package org.transprune.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transprune.bench.vqa.GqaBenchmark;
import org.transprune.bench.vqa.TextVqaBenchmark;
import org.transprune.bench.vqa.VqaAccuracy;
import org.transprune.bench.vqa.VqaNormalizer;
import org.transprune.bench.vqa.VqaV2Benchmark;

class VqaScoringTest {
    private static final double EPS = 1e-9;

    @Test
    void officialNormalisationCornerCases() {
        assertEquals("2", VqaNormalizer.vqaEval("Two"));
        assertEquals("dog", VqaNormalizer.vqaEval("the dog."));
        assertEquals("don't", VqaNormalizer.vqaEval("dont"));
        assertEquals("don't", VqaNormalizer.vqaEval("don't"));
        // digit,digit anywhere: every punctuation mark is deleted rather than spaced
        assertEquals("3000", VqaNormalizer.vqaEval("3,000"));
        assertEquals("man's", VqaNormalizer.vqaEval("a man's"));
        assertEquals("yes it is", VqaNormalizer.vqaEval("Yes, it is"));
        // "/" touching no space becomes a space
        assertEquals("red blue", VqaNormalizer.vqaEval("red/blue"));
        assertEquals("3.5", VqaNormalizer.vqaEval("3.5"));
        assertEquals("0", VqaNormalizer.vqaEval("none"));
        assertEquals("dog", VqaNormalizer.vqaEval("  An\tdog\n"));
        // "Im" is in the table but capitalised keys never match after lower-casing
        assertEquals("im", VqaNormalizer.vqaEval("Im"));
    }

    @Test
    void periodStripStopsAfterThirtyTwo() {
        // re.sub(..., re.UNICODE) passes 32 as the count: the 33rd period survives.
        assertEquals(".", VqaNormalizer.processPunctuation(".".repeat(33), Pattern.compile("x")));
        assertEquals("", VqaNormalizer.processPunctuation(".".repeat(32), Pattern.compile("x")));
    }

    @Test
    void evalAiProcessorDiffersOnPossessiveAndCommas() {
        assertEquals("man 's", VqaNormalizer.evalAi("a man's"));
        assertEquals("3000", VqaNormalizer.evalAi("3,000"));
        assertEquals("2", VqaNormalizer.evalAi("Two?"));
        assertEquals("dog", VqaNormalizer.evalAi("The dog."));
        assertEquals("won't", VqaNormalizer.evalAi("WONT"));
    }

    private static List<String> humans(String match, int matches, String other) {
        List<String> h = new ArrayList<>(Collections.nCopies(matches, match));
        h.addAll(Collections.nCopies(10 - matches, other));
        return h;
    }

    @Test
    void leaveOneOutAverage() {
        // 2 of 10 match: leaving out a match leaves 1 (1/3), leaving out another leaves 2 (2/3).
        assertEquals((2 * (1.0 / 3) + 8 * (2.0 / 3)) / 10, VqaAccuracy.of("cat", humans("cat", 2, "dog")), EPS);
        assertEquals(0.6, VqaAccuracy.of("cat", humans("cat", 2, "dog")), EPS);
        // 1 match: 9 subsets keep it (1/3 each), 1 does not.
        assertEquals(0.3, VqaAccuracy.of("cat", humans("cat", 1, "dog")), EPS);
        // 3 matches: 3 subsets have 2 (2/3), 7 have 3 (1).
        assertEquals((3 * (2.0 / 3) + 7) / 10, VqaAccuracy.of("cat", humans("cat", 3, "dog")), EPS);
        assertEquals(1.0, VqaAccuracy.of("cat", humans("cat", 4, "dog")), EPS);
        assertEquals(0.0, VqaAccuracy.of("cow", humans("cat", 4, "dog")), EPS);
    }

    @Test
    void vqav2HumanAnswersGetPunctuationOnly() {
        // Differing human answers get punctuation processing (no lower-casing, no digits).
        List<String> h = humans("2", 2, "two!");
        // model "Two" -> "2": matches the two "2" answers -> 0.6
        assertEquals(0.6, VqaV2Benchmark.accuracy("Two", h), EPS);
        // Identical human answers are not processed at all: "two" never equals the model's "2".
        assertEquals(0.0, VqaV2Benchmark.accuracy("two", Collections.nCopies(10, "two")), EPS);
        assertEquals(1.0, VqaV2Benchmark.accuracy("The dog.", Collections.nCopies(10, "dog")), EPS);
    }

    @Test
    void textVqaProcessesBothSides() {
        assertEquals(1.0, TextVqaBenchmark.accuracy("2", Collections.nCopies(10, "Two")), EPS);
        assertEquals(0.6, TextVqaBenchmark.accuracy("STOP.", humans("stop", 2, "exit")), EPS);
    }

    @Test
    void textVqaQuestionFromPrompt() {
        assertEquals(
                "what is written?",
                TextVqaBenchmark.question(
                        "What is written?\nReference OCR token: STOP, sign\nAnswer the question using a single word or phrase."));
        assertEquals(
                "what brand?",
                TextVqaBenchmark.question("What brand?\nAnswer the question using a single word or phrase."));
    }

    @Test
    void vqav2ScoresFileWithAnswerTypes(@TempDir Path dir) throws Exception {
        Path q = dir.resolve("q.jsonl");
        Files.writeString(q, """
                {"question_id": 1, "image": "a.jpg", "text": "How many dogs?\\nAnswer the question using a single word or phrase."}
                {"question_id": 2, "image": "b.jpg", "text": "Is it red?"}
                """);
        Path ann = dir.resolve("ann.json");
        Files.writeString(
                ann,
                "{\"info\": {}, \"annotations\": ["
                        + "{\"question_id\": 1, \"answer_type\": \"number\", \"question_type\": \"how many\", \"answers\": "
                        + answersJson(humans("2", 2, "3")) + "},"
                        + "{\"question_id\": 2, \"answer_type\": \"yes/no\", \"question_type\": \"is\", \"answers\": "
                        + answersJson(Collections.nCopies(10, "yes")) + "}]}");
        Path a = dir.resolve("a.jsonl");
        Files.writeString(a, """
                {"question_id": 1, "prompt": "p", "text": "Two", "answer_id": "x", "model_id": "m", "metadata": {}}
                {"question_id": 2, "prompt": "p", "text": "Yes", "answer_id": "y", "model_id": "m", "metadata": {}}
                """);
        Benchmark b = Benchmarks.get("vqav2");
        IssueLog log = new IssueLog(OnError.FAIL);
        List<Sample> samples = b.readQuestions(q, null, log);
        assertEquals(
                "Is it red?\nAnswer the question using a single word or phrase.",
                samples.get(1).prompt());
        Score s = b.score(samples, AnswersReader.read(a, log), ann, log);
        assertEquals(100 * (0.6 + 1.0) / 2, s.value(), EPS);
        assertEquals(60.0, s.metric("accuracy/number"), EPS);
        assertEquals(100.0, s.metric("accuracy/yes/no"), EPS);
    }

    private static String answersJson(List<String> h) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < h.size(); i++) {
            sb.append(i == 0 ? "" : ",")
                    .append("{\"answer\": \"")
                    .append(h.get(i))
                    .append("\", \"answer_id\": ")
                    .append(i + 1)
                    .append('}');
        }
        return sb.append(']').toString();
    }

    @Test
    void gqaExactMatchAfterLlavaProcessing(@TempDir Path dir) throws Exception {
        assertEquals("yes", GqaBenchmark.prediction("Yes.."));
        assertEquals("the left", GqaBenchmark.prediction("The left"));
        Path q = dir.resolve("q.jsonl");
        Files.writeString(q, """
                {"question_id": "201", "image": "n1.jpg", "text": "Which side?"}
                {"question_id": "202", "image": "n2.jpg", "text": "Is it a cat?"}
                {"question_id": "203", "image": "n3.jpg", "text": "What color?"}
                """);
        Path ann = dir.resolve("testdev_balanced_questions.json");
        Files.writeString(ann, """
                {"201": {"answer": "left", "isBalanced": true},
                 "202": {"answer": "no", "isBalanced": true},
                 "203": {"answer": "white", "isBalanced": true}}
                """);
        Path a = dir.resolve("a.jsonl");
        // "the left" is not "left": GQA has no article stripping.
        Files.writeString(a, """
                {"question_id": "201", "prompt": "", "text": "The left"}
                {"question_id": 202, "prompt": "", "text": "No."}
                {"question_id": "203", "prompt": "", "text": "White"}
                """);
        Benchmark b = Benchmarks.get("gqa");
        IssueLog log = new IssueLog(OnError.FAIL);
        Score s = b.score(b.readQuestions(q, null, log), AnswersReader.read(a, log), ann, log);
        assertEquals(200.0 / 3, s.value(), EPS);
    }
}
