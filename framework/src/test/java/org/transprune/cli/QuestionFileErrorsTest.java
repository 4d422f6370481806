package org.transprune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transprune.bench.BenchmarkDataException;
import org.transprune.bench.Benchmarks;
import org.transprune.bench.IssueLog;
import org.transprune.bench.OnError;
import org.transprune.bench.QuestionFiles;
import org.transprune.bench.Sample;
import org.transprune.pipeline.TinyCheckpointDirs;

/**
 * Bad question and answer files: {@code run} and {@code eval} stop with exit code 2 and one line
 * naming the file, line and problem, print no stack trace, and write nothing (no run directory, no
 * submission file).
 */
class QuestionFileErrorsTest {
    @TempDir
    Path tmp;

    private static CliRun cli(String... args) {
        return CliRun.execute(args);
    }

    /** The error output is exactly one line, starting "error: ", holding every expected part. */
    private static void assertOneLine(CliRun r, String... parts) {
        assertEquals(2, r.exit(), r.err() + r.out());
        List<String> lines = r.err().lines().filter(l -> !l.isBlank()).toList();
        assertEquals(1, lines.size(), r.err());
        assertTrue(lines.get(0).startsWith("error: "), r.err());
        for (String p : parts) {
            assertTrue(lines.get(0).contains(p), "'" + p + "' not in: " + r.err());
        }
        assertFalse(r.err().contains("\tat ") || r.err().contains("Exception"), r.err());
        assertFalse(r.err().contains("Source:"), r.err());
    }

    private Path images() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("images"));
        ImageIO.write(
                new BufferedImage(4, 4, BufferedImage.TYPE_INT_RGB),
                "png",
                dir.resolve("a.png").toFile());
        return dir;
    }

    /** An experiment running POPE on {@code questions}; its output would go to tmp/runs/x. */
    private Path experiment(Path questions, String onError) throws Exception {
        Path ckpt = TinyCheckpointDirs.write(tmp.resolve("ckpt"));
        Path f = tmp.resolve("x.yaml");
        Files.writeString(
                f,
                String.join(
                                "\n",
                                "model: {path: " + ckpt + ", device: cpu, weights: fp32}",
                                "benchmarks: [{name: pope, questions: " + questions + ", images: " + images()
                                        + ", on_error: " + onError + "}]",
                                "max_new_tokens: 2",
                                "strategies: [test-unpruned]",
                                "output: " + tmp.resolve("runs/x"))
                        + "\n");
        return f;
    }

    private CliRun runOn(String questionLines) throws Exception {
        Path q = tmp.resolve("llava_pope_test.jsonl");
        Files.writeString(q, questionLines);
        CliRun r = cli("run", experiment(q, "fail").toString(), "--no-progress", "--no-report");
        assertFalse(Files.exists(tmp.resolve("runs")), "no run directory may be created: " + r.out());
        return r;
    }

    private static final String GOOD =
            "{\"question_id\": 1, \"image\": \"a.png\", \"text\": \"Is there a dog?\", \"category\": \"random\"}\n";

    @Test
    void runRefusesAMalformedLine() throws Exception {
        CliRun r = runOn(GOOD + "{\"question_id\": 2, \"image\": \"a.png\", \"text\": \"Is there\n");
        assertOneLine(r, "llava_pope_test.jsonl:2: malformed JSON line");
    }

    @Test
    void runRefusesAQuestionWithoutImageKey() throws Exception {
        CliRun r = runOn(GOOD + "{\"question_id\": 2, \"text\": \"Is there a cat?\", \"category\": \"random\"}\n");
        assertOneLine(r, "llava_pope_test.jsonl:2: question 2 has no image");
    }

    @Test
    void runRefusesADuplicateId() throws Exception {
        CliRun r = runOn(GOOD + GOOD.replace("dog", "cat"));
        assertOneLine(r, "llava_pope_test.jsonl:2: duplicate question 1 (first at line 1)");
    }

    @Test
    void runRefusesAnImageThatDoesNotExist() throws Exception {
        CliRun r = runOn(GOOD + GOOD.replace("1,", "2,").replace("a.png", "gone.png"));
        assertOneLine(r, "llava_pope_test.jsonl:2: missing image ", "gone.png");
    }

    @Test
    void runRefusesAnEmptyQuestionFile() throws Exception {
        CliRun r = runOn("\n");
        assertOneLine(r, "llava_pope_test.jsonl: no questions in the file");
    }

    @Test
    void skipLeavesBadQuestionsOutAndListsThemButStillRefusesAFileWithNoneLeft() throws Exception {
        Path folder = images();
        Path q = tmp.resolve("q.jsonl");
        Files.writeString(
                q, GOOD + GOOD.replace("1,", "2,").replace("a.png", "gone.png") + GOOD.replace("dog", "cat") + "{x\n");
        IssueLog log = new IssueLog(OnError.SKIP);
        List<Sample> s = QuestionFiles.read(Benchmarks.get("pope"), q, folder, log);
        assertEquals(1, s.size());
        assertEquals(3, log.issues().size());
        assertEquals(
                List.of(2, 3, 4),
                log.issues().stream().map(i -> i.line()).sorted().toList());

        Files.writeString(q, GOOD.replace("a.png", "gone.png"));
        IssueLog skip = new IssueLog(OnError.SKIP);
        BenchmarkDataException e = Assertions.assertThrows(
                BenchmarkDataException.class, () -> QuestionFiles.read(Benchmarks.get("pope"), q, folder, skip));
        assertTrue(e.getMessage().startsWith(q + ": no usable questions (1 skipped; the first: "), e.getMessage());
        assertFalse(e.skippable());
    }

    @Test
    void anImageThatFailsToDecodeAtRunTimeIsSkippedUnderSkipAndStopsWithOneLineUnderFail() throws Exception {
        Path q = tmp.resolve("llava_pope_test.jsonl");
        Files.writeString(q, GOOD + GOOD.replace("1,", "2,").replace("a.png", "broken.png"));
        Path folder = images();
        Files.writeString(folder.resolve("broken.png"), "not an image");
        CliRun skip = cli("run", experiment(q, "skip").toString(), "--no-progress", "--no-report");
        assertEquals(0, skip.exit(), skip.err() + skip.out());
        Path results = tmp.resolve("runs/x/results.jsonl");
        List<String> samples = Files.readAllLines(results).stream()
                .filter(l -> l.contains("\"type\":\"sample\""))
                .toList();
        assertEquals(2, samples.size(), Files.readString(results));
        List<String> skipped =
                samples.stream().filter(l -> l.contains("\"skipped\":")).toList();
        assertEquals(1, skipped.size(), Files.readString(results));
        assertTrue(skipped.get(0).contains("broken.png"), skipped.get(0));

        Path f = experiment(q, "fail");
        Files.writeString(f, Files.readString(f).replace("runs/x", "runs/y"));
        CliRun fail = cli("run", f.toString(), "--no-progress", "--no-report");
        assertOneLine(fail, "llava_pope_test.jsonl:2: unreadable image ", "broken.png");
    }

    private Path popeAnswers(String... ids) throws Exception {
        Path a = tmp.resolve("answers.jsonl");
        StringBuilder sb = new StringBuilder();
        for (String id : ids) {
            sb.append("{\"question_id\": ")
                    .append(id)
                    .append(", \"prompt\": \"Is there a dog?\", \"text\": \"Yes\", \"answer_id\": \"x\",")
                    .append(" \"model_id\": \"m\", \"metadata\": {}}\n");
        }
        Files.writeString(a, sb);
        return a;
    }

    @Test
    void evalRefusesAnEmptyQuestionFile() throws Exception {
        Path q = Files.writeString(tmp.resolve("llava_pope_test.jsonl"), "");
        CliRun r = cli(
                "eval",
                "--benchmark",
                "pope",
                "--questions",
                q.toString(),
                "--answers",
                popeAnswers("1").toString());
        assertOneLine(r, "llava_pope_test.jsonl: no questions in the file");
    }

    @Test
    void evalWritesNoSubmissionForAnswersThatDoNotValidate() throws Exception {
        Path q = tmp.resolve("llava-seed-bench.jsonl");
        Files.writeString(
                q,
                "{\"question_id\": 1, \"image\": \"SEED-Bench-image/1.jpg\", \"text\": \"How many?\\nA. 1\\nB. 2\",\"answer\": \"B\"}\n");
        Path out = tmp.resolve("upload/seed.jsonl");
        CliRun bad = cli(
                "eval",
                "--benchmark",
                "seed",
                "--questions",
                q.toString(),
                "--answers",
                popeAnswers("1", "7").toString(),
                "--submission",
                out.toString());
        assertOneLine(bad, "answers.jsonl:2: answer to unknown question id 7", "--on-error skip");
        assertFalse(Files.exists(out.getParent()), "no submission file, not even its folder");

        CliRun good = cli(
                "eval",
                "--benchmark",
                "seed",
                "--questions",
                q.toString(),
                "--answers",
                popeAnswers("1").toString(),
                "--submission",
                out.toString());
        assertEquals(0, good.exit(), good.err());
        assertEquals(
                "{\"question_id\":\"1\",\"prediction\":\"Yes\"}",
                Files.readString(out).strip());
        try (Stream<Path> files = Files.list(out.getParent())) {
            assertEquals(List.of(out), files.toList(), "the temporary file was moved into place");
        }
    }

    @Test
    void evalNamesTheLineOfBrokenJsonWithoutParserInternals() throws Exception {
        Path q = tmp.resolve("llava_test_CQM-A.json");
        Files.writeString(
                q, "[\n  {\"id\": \"4\", \"conversations\": [\n  {\"from\": \"human\" \"value\": \"x\"}]}\n]\n");
        Path a = Files.writeString(
                tmp.resolve("a.jsonl"), "{\"question_id\": \"4\", \"prompt\": \"x\", \"text\": \"A\"}\n");
        CliRun r = cli("eval", "--benchmark", "scienceqa", "--questions", q.toString(), "--answers", a.toString());
        assertOneLine(r, "llava_test_CQM-A.json:3: not valid JSON: Unexpected character");
    }
}
