package org.transprune.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transprune.cli.Main;

/** Skip-versus-fail handling of bad data, answers file round trip, converters and the CLI. */
class DataIssuesTest {
    private static final double EPS = 1e-9;

    private static Path popeFiles(Path dir) throws Exception {
        Files.writeString(dir.resolve("q.jsonl"), """
                {"question_id": 1, "image": "a.jpg", "text": "Is there a dog?", "category": "random", "label": "yes"}
                {"question_id": 2, "image": "b.jpg", "text": "Is there a cat?", "category": "random", "label": "no"}
                """);
        Files.writeString(dir.resolve("a.jsonl"), """
                {"question_id": 1, "prompt": "", "text": "Yes"}
                {"question_id": 2, "prompt": "", "text": "No"
                {"question_id": 99, "prompt": "", "text": "Yes"}
                {"question_id": 2, "prompt": "", "text": "No"}
                """);
        return dir;
    }

    @Test
    void failPolicyNamesFileAndLine(@TempDir Path dir) throws Exception {
        popeFiles(dir);
        IssueLog log = new IssueLog(OnError.FAIL);
        BenchmarkDataException e =
                assertThrows(BenchmarkDataException.class, () -> AnswersReader.read(dir.resolve("a.jsonl"), log));
        assertTrue(e.getMessage().startsWith(dir.resolve("a.jsonl") + ":2: malformed JSON line"), e.getMessage());
    }

    @Test
    void skipPolicyCountsAndReports(@TempDir Path dir) throws Exception {
        popeFiles(dir);
        Benchmark b = Benchmarks.get("pope");
        IssueLog log = new IssueLog(OnError.SKIP);
        Score s = b.score(
                b.readQuestions(dir.resolve("q.jsonl"), null, log),
                AnswersReader.read(dir.resolve("a.jsonl"), log),
                null,
                log);
        assertEquals(2, s.skipped().size());
        assertEquals(2, s.skipped().get(0).line());
        assertTrue(s.skipped().get(0).message().contains("malformed"));
        assertEquals(3, s.skipped().get(1).line());
        assertTrue(s.skipped().get(1).message().contains("unknown question id 99"));
        assertEquals(2, s.scored());
        assertEquals(100.0, s.metric("random/accuracy"), EPS);
        assertTrue(s.table().contains("a.jsonl:3: answer to unknown question id 99"), s.table());
    }

    @Test
    void missingAnswersAreCountedNotScored(@TempDir Path dir) throws Exception {
        popeFiles(dir);
        Files.writeString(dir.resolve("a.jsonl"), "{\"question_id\": 1, \"prompt\": \"\", \"text\": \"Yes\"}\n");
        Benchmark b = Benchmarks.get("pope");
        IssueLog log = new IssueLog(OnError.FAIL);
        Score s = b.score(
                b.readQuestions(dir.resolve("q.jsonl"), null, log),
                AnswersReader.read(dir.resolve("a.jsonl"), log),
                null,
                log);
        assertEquals(1, s.missing());
        assertEquals(1, s.scored());
        assertTrue(s.notes().get(0).contains("1 question(s) have no answer"));
    }

    @Test
    void missingAndUnreadableImages(@TempDir Path dir) throws Exception {
        Path images = Files.createDirectories(dir.resolve("img"));
        Files.write(images.resolve("bad.jpg"), new byte[] {1, 2, 3, 4});
        Path q = dir.resolve("q.jsonl");
        Files.writeString(q, """
                {"question_id": 1, "image": "gone.jpg", "text": "What?"}
                {"question_id": 2, "image": "bad.jpg", "text": "Where?"}
                """);
        Benchmark b = Benchmarks.get("gqa");
        BenchmarkDataException e = assertThrows(
                BenchmarkDataException.class, () -> b.readQuestions(q, images, new IssueLog(OnError.FAIL)));
        assertTrue(e.getMessage().startsWith(q + ":1: missing image"), e.getMessage());

        IssueLog skip = new IssueLog(OnError.SKIP);
        List<Sample> s = b.readQuestions(q, images, skip);
        assertEquals(1, s.size());
        assertEquals(1, skip.issues().size());
        assertTrue(ImageLoader.load(s.get(0), skip).isEmpty());
        assertEquals(2, skip.issues().size());
        assertEquals(2, skip.issues().get(1).line());
        assertTrue(skip.issues().get(1).message().startsWith("unreadable image"));
        BenchmarkDataException e2 = assertThrows(
                BenchmarkDataException.class, () -> ImageLoader.load(s.get(0), new IssueLog(OnError.FAIL)));
        assertTrue(e2.getMessage().startsWith(q + ":2: unreadable image"), e2.getMessage());
    }

    @Test
    void answersFileRoundTrip(@TempDir Path dir) throws Exception {
        Path q = dir.resolve("q.jsonl");
        Files.writeString(q, """
                {"question_id": 7, "image": "a.jpg", "text": "Color?"}
                {"question_id": "x/8.png", "image": "b.jpg", "text": "Shape?\\nAnswer the question using a single word or phrase."}
                """);
        List<Sample> s = Benchmarks.get("gqa").readQuestions(q, null, new IssueLog(OnError.FAIL));
        Path out = dir.resolve("sub/answers.jsonl");
        try (AnswersWriter w = new AnswersWriter(out)) {
            w.write(s.get(0), "Red", "llava-v1.5-7b", null);
            // flushed per line: readable before close
            assertEquals(1, Files.readAllLines(out).size());
            w.write(s.get(1), "Round", "llava-v1.5-7b", null);
        }
        List<Answer> a = AnswersReader.read(out, new IssueLog(OnError.FAIL));
        assertEquals(2, a.size());
        assertTrue(a.get(0).questionId().isInt());
        assertEquals("x/8.png", a.get(1).id());
        assertEquals(
                "Shape?\nAnswer the question using a single word or phrase.",
                a.get(1).prompt());
        assertEquals(
                "Color?\nAnswer the question using a single word or phrase.",
                a.get(0).prompt());
        assertEquals("llava-v1.5-7b", a.get(1).modelId());
        assertEquals(22, a.get(0).answerId().length());
        assertEquals(2, a.get(1).line());
    }

    @Test
    void submissionFiles(@TempDir Path dir) throws Exception {
        Path q = dir.resolve("q.jsonl");
        Files.writeString(q, """
                {"question_id": 11, "image": "a.jpg", "text": "How many?"}
                {"question_id": 12, "image": "b.jpg", "text": "Is it?"}
                """);
        List<Sample> s = Benchmarks.get("vqav2").readQuestions(q, null, new IssueLog(OnError.FAIL));
        Path out = dir.resolve("vqa.json");
        int missing = Submissions.vqav2(s, List.of(Answer.of(s.get(0), "Two dogs.", "m")), out);
        assertEquals(1, missing);
        assertEquals(
                "[{\"question_id\":11,\"answer\":\"2 dogs\"},{\"question_id\":12,\"answer\":\"\"}]",
                Files.readString(out));

        Path tsv = ChoiceScoringTest.mmbenchTsv(dir);
        List<Sample> m = Benchmarks.get("mmbench").readQuestions(tsv, null, new IssueLog(OnError.FAIL));
        Path csv = dir.resolve("up.csv");
        Submissions.mmbench(tsv, List.of(Answer.of(m.get(0), "A, surely", "m")), csv);
        List<String> lines = Files.readAllLines(csv);
        assertEquals("\uFEFFindex,question,A,B,C,D,prediction,answer,split", lines.get(0));
        assertEquals("1,What is it?,cat,dog,,,\"A, surely\",A,dev", lines.get(1));
    }

    @Test
    void evalCommandScoresAndWritesJson(@TempDir Path dir) throws Exception {
        popeFiles(dir);
        Path json = dir.resolve("m.json");
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int rc;
        try {
            System.setOut(new PrintStream(buf, true, "UTF-8"));
            rc = Main.commandLine()
                    .execute(
                            "eval",
                            "--benchmark",
                            "pope",
                            "--answers",
                            dir.resolve("a.jsonl").toString(),
                            "--questions",
                            dir.resolve("q.jsonl").toString(),
                            "--on-error",
                            "skip",
                            "--json",
                            json.toString());
        } finally {
            System.setOut(old);
        }
        assertEquals(0, rc, buf.toString());
        assertTrue(buf.toString().contains("random/f1"), buf.toString());
        var tree = JsonLines.MAPPER.readTree(json.toFile());
        assertEquals(100.0, tree.path("metrics").path("f1").asDouble(), EPS);
        assertEquals(2, tree.path("skipped").size());
        assertEquals(3, tree.path("skipped").path(1).path("line").asInt());

        var err = new StringWriter();
        var cl = Main.commandLine();
        cl.setErr(new PrintWriter(err));
        int failRc = cl.execute(
                "eval",
                "--benchmark",
                "pope",
                "--answers",
                dir.resolve("a.jsonl").toString(),
                "--questions",
                dir.resolve("q.jsonl").toString());
        assertEquals(2, failRc);
        assertTrue(err.toString().contains("a.jsonl:2: malformed JSON line"), err.toString());
    }
}
