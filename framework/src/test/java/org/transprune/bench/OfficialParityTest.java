package org.transprune.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transprune.bench.choice.OptionLetters;
import org.transprune.bench.yesno.MmeBenchmark;

/**
 * Scores on fixtures whose expected figures were produced by running the official evaluators
 * (python3 3.11) on the same files; each test names the script and the version it was run at.
 */
class OfficialParityTest {
    private static final double EPS = 1e-9;

    private static Map<String, String> abcd() {
        Map<String, String> ch = new LinkedHashMap<>();
        ch.put("A", "red apple");
        ch.put("B", "green pear");
        ch.put("C", "blue sky");
        ch.put("D", "white cloud");
        return ch;
    }

    /**
     * VLMEvalKit v0.2 (tag v0.2, commit e4e026375fffd6d7228f7d7625057dfddbfedb29),
     * vlmeval/utils/matching_util.py can_infer with VERBOSE unset: the five answers below give
     * A, C, A, A, D, so 3 of 5 are right: 60.00 (with VERBOSE=1 it reads no letter in "The answer
     * is A" and "A. I think so": 40.00, the figure the project used to give).
     */
    @Test
    void mmbenchReadsALoneAAsTheLetterLikeVlmEvalKitByDefault(@TempDir Path dir) throws Exception {
        String img = ChoiceScoringTest.tinyPngBase64();
        StringBuilder tsv = new StringBuilder("index\tquestion\tA\tB\tC\tD\tanswer\tcategory\timage\n");
        String[][] rows = {
            {"0", "A", "A"},
            {"1", "B", "C"},
            {"2", "A", "The answer is A"},
            {"3", "B", "A. I think so"},
            {"4", "D", "it is a white cloud"}
        };
        for (String[] r : rows) {
            tsv.append(r[0])
                    .append("\tWhat is shown?\tred apple\tgreen pear\tblue sky\twhite cloud\t")
                    .append(r[1])
                    .append("\tobject\t")
                    .append(img)
                    .append('\n');
        }
        Path file = dir.resolve("mmbench_dev_20230712.tsv");
        Files.writeString(file, tsv, StandardCharsets.UTF_8);
        Benchmark b = Benchmarks.get("mmbench");
        IssueLog log = new IssueLog(OnError.FAIL);
        List<Sample> s = QuestionFiles.read(b, file, null, log);
        List<Answer> answers = new ArrayList<>();
        for (int i = 0; i < rows.length; i++) {
            answers.add(Answer.of(s.get(i), rows[i][2], "m"));
        }
        Score sc = b.score(s, answers, null, log);
        assertEquals(60.0, sc.value(), EPS);
        assertEquals(60.0, sc.metric("single_accuracy"), EPS);
    }

    /**
     * Python 3.11 str.split() / str.isspace(): the whitespace set is exactly the 29 characters below;
     * VLMEvalKit v0.2 can_infer on the answers gives the letters asserted (python3 run).
     */
    @Test
    void optionLettersSplitOnPythonWhitespace() {
        int[] python = {
            0x9, 0xa, 0xb, 0xc, 0xd, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x85, 0xa0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003,
            0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000
        };
        int n = 0;
        for (char c = 0; c < Character.MAX_VALUE; c++) {
            if (OptionLetters.isPythonSpace(c)) {
                assertEquals(python[n++], c, "whitespace #" + n);
            }
        }
        assertEquals(python.length, n);
        assertEquals(List.of("a", "b", "c"), OptionLetters.pythonSplit("\u3000a\u00a0b\u0085\u001cc\u2003"));
        assertEquals(List.of(), OptionLetters.pythonSplit(" \u00a0 "));
        // can_infer(...) in python3 with VLMEvalKit v0.2: 'C', 'B', False, 'C'
        assertEquals("C", OptionLetters.vlmEvalKit("The\u00a0answer\u00a0is\u00a0C", abcd()));
        assertEquals("B", OptionLetters.vlmEvalKit("x\u0085B", abcd()));
        assertNull(OptionLetters.vlmEvalKit("B\u3000C", abcd()));
        assertEquals("C", OptionLetters.vlmEvalKit("The\u2003answer\u2003is\u2003C", abcd()));
    }

    /**
     * MME eval_tool/calculation.py (MME release eval_tool, as LLaVA's scripts/v1_5/eval/mme.sh runs
     * it after convert_answer_to_mme.py), run on these four answers: "😀Yes" -> yes and "👍🏻No" -> no,
     * because pred_ans[:4] counts code points; existence score 125.0 (acc 75 + acc+ 50). Counting
     * UTF-16 units gives "other" for both and 25.0.
     */
    @Test
    void mmePrefixCountsCodePoints(@TempDir Path dir) throws Exception {
        assertEquals("yes", MmeBenchmark.parse("\uD83D\uDE00Yes"));
        assertEquals("no", MmeBenchmark.parse("\uD83D\uDC4D\uD83C\uDFFBNo"));
        assertEquals("other", MmeBenchmark.parse("\uD83D\uDC4D\uD83C\uDFFB\uD83D\uDE00No"));
        Path release = dir.resolve("MME_Benchmark_release_version");
        Path existence = Files.createDirectories(release.resolve("existence"));
        Files.writeString(
                existence.resolve("000000006040.txt"),
                "Is there a train in this image? Please answer yes or no.\tYes\n"
                        + "Is there a bed in this image? Please answer yes or no.\tNo\n");
        Files.writeString(
                existence.resolve("000000008277.txt"),
                "Is there a dog in this image? Please answer yes or no.\tYes\n"
                        + "Is there a cat in this image? Please answer yes or no.\tNo\n");
        Path q = dir.resolve("llava_mme.jsonl");
        String[][] rows = {
            {"000000006040", "train", "\uD83D\uDE00Yes"},
            {"000000006040", "bed", "\uD83D\uDC4D\uD83C\uDFFBNo"},
            {"000000008277", "dog", "yes"},
            {"000000008277", "cat", "Yes"}
        };
        StringBuilder jsonl = new StringBuilder();
        for (String[] r : rows) {
            jsonl.append("{\"question_id\": \"existence/")
                    .append(r[0])
                    .append(".jpg\", \"image\": \"existence/")
                    .append(r[0])
                    .append(".jpg\", \"text\": \"Is there a ")
                    .append(r[1])
                    .append(" in this image?\\nAnswer the question using a single word or phrase.\",")
                    .append(" \"category\": \"existence\"}\n");
        }
        Files.writeString(q, jsonl);
        Benchmark b = Benchmarks.get("mme");
        IssueLog log = new IssueLog(OnError.FAIL);
        List<Sample> s = QuestionFiles.read(b, q, null, log);
        List<Answer> answers = new ArrayList<>();
        for (int i = 0; i < rows.length; i++) {
            answers.add(Answer.of(s.get(i), rows[i][2], "m"));
        }
        Score sc = b.score(s, answers, release, log);
        assertEquals(125.0, sc.metric("existence/score"), EPS);
        assertEquals(75.0, sc.metric("existence/acc"), EPS);
        assertEquals(50.0, sc.metric("existence/acc+"), EPS);
    }

    /**
     * LLaVA scripts/convert_seed_for_submission.py (haotian-liu/LLaVA commit c121f04, 2024-05-12)
     * on these answers (numeric question_id, as model_vqa_loader writes them for
     * llava-seed-bench.jsonl) wrote {"question_id": "1", "prediction": "B"}, then "2"/"C." and
     * "3"/"A": ids are strings.
     */
    @Test
    void seedUploadWritesQuestionIdsAsStrings(@TempDir Path dir) throws Exception {
        Path q = dir.resolve("llava-seed-bench.jsonl");
        Files.writeString(q, """
                {"question_id": 1, "image": "SEED-Bench-image/1.jpg", "text": "How many?\\nA. 1\\nB. 2\\nC. 3\\nD. 4"}
                {"question_id": 2, "image": "SEED-Bench-image/2.jpg", "text": "Which?\\nA. x\\nB. y\\nC. z\\nD. w"}
                {"question_id": 3, "image": "SEED-Bench-video-image/3.png", "text": "Next?\\nA. p\\nB. q\\nC. r\\nD. s"}
                """);
        Benchmark b = Benchmarks.get("seed");
        IssueLog log = new IssueLog(OnError.FAIL);
        List<Sample> s = QuestionFiles.read(b, q, null, log);
        List<Answer> a =
                List.of(Answer.of(s.get(0), "B", "m"), Answer.of(s.get(1), "C.", "m"), Answer.of(s.get(2), "A", "m"));
        Path out = dir.resolve("upload.jsonl");
        Submissions.seed(s, a, out);
        List<String> lines = Files.readAllLines(out);
        String[][] expected = {{"1", "B"}, {"2", "C."}, {"3", "A"}};
        assertEquals(expected.length, lines.size());
        for (int i = 0; i < expected.length; i++) {
            JsonNode n = JsonLines.MAPPER.readTree(lines.get(i));
            assertTrue(n.get("question_id").isTextual(), lines.get(i));
            assertEquals(expected[i][0], n.get("question_id").asText());
            assertEquals(expected[i][1], n.get("prediction").asText());
        }
        try (var files = Files.list(dir)) {
            assertEquals(2, files.count(), "no temporary file left beside the upload file");
        }
    }

    /**
     * LLaVA llava/eval/eval_science_qa.py (commit c121f04) as scripts/v1_5/eval/sqa.sh runs it
     * (--base-dir the ScienceQA folder with problems.json and pid_splits.json), on LLaVA-1.5's own
     * question layout llava_test_CQM-A.json: "Total: 4, Correct: 3, Accuracy: 75.00%,
     * IMG-Accuracy: 66.67%".
     */
    @Test
    void scienceQaReadsLlavaQuestionFileWithTheBaseDirOfSqaSh(@TempDir Path dir) throws Exception {
        Path base = Files.createDirectories(dir.resolve("scienceqa"));
        Files.writeString(base.resolve("problems.json"), """
                {"4": {"question": "Which animal?", "choices": ["cow", "hen"], "answer": 1, "hint": "A farm.",
                       "image": "image.png", "split": "test"},
                 "5": {"question": "Which is a gas?", "choices": ["air", "rock", "wood"], "answer": 0, "hint": "",
                       "image": null, "split": "test"},
                 "6": {"question": "Which color?", "choices": ["red", "blue"], "answer": 0, "hint": "",
                       "image": "image.png", "split": "test"},
                 "7": {"question": "Which size?", "choices": ["big", "small"], "answer": 1, "hint": "",
                       "image": "image.png", "split": "test"}}
                """);
        Files.writeString(base.resolve("pid_splits.json"), "{\"test\": [\"4\", \"5\", \"6\", \"7\"]}");
        Path q = base.resolve("llava_test_CQM-A.json");
        Files.writeString(q, """
                [
                  {
                    "id": "4",
                    "image": "4/image.png",
                    "conversations": [
                      {"from": "human", "value": "Context: A farm.\\nQuestion: Which animal?\\nOptions: (A) cow (B) hen\\n<image>"},
                      {"from": "gpt", "value": "The answer is B."}
                    ]
                  },
                  {
                    "id": "5",
                    "conversations": [
                      {"from": "human", "value": "Context: N/A\\nQuestion: Which is a gas?\\nOptions: (A) air (B) rock (C) wood"},
                      {"from": "gpt", "value": "The answer is A."}
                    ]
                  },
                  {
                    "id": "6",
                    "image": "6/image.png",
                    "conversations": [
                      {"from": "human", "value": "Context: N/A\\nQuestion: Which color?\\nOptions: (A) red (B) blue\\n<image>"},
                      {"from": "gpt", "value": "The answer is A."}
                    ]
                  },
                  {
                    "id": "7",
                    "image": "7/image.png",
                    "conversations": [
                      {"from": "human", "value": "Context: N/A\\nQuestion: Which size?\\nOptions: (A) big (B) small\\n<image>"},
                      {"from": "gpt", "value": "The answer is B."}
                    ]
                  }
                ]
                """);
        Benchmark b = Benchmarks.get("scienceqa");
        IssueLog log = new IssueLog(OnError.FAIL);
        List<Sample> s = QuestionFiles.read(b, q, null, log);
        assertEquals(4, s.size());
        List<Answer> a = List.of(
                Answer.of(s.get(0), "B", "m"),
                Answer.of(s.get(1), "A", "m"),
                Answer.of(s.get(2), "A.", "m"),
                Answer.of(s.get(3), "The answer is B.", "m"));
        Score sc = b.score(s, a, base, log);
        assertEquals(75.0, sc.metric("accuracy"), EPS);
        assertEquals(200.0 / 3, sc.value(), EPS);
        assertEquals(
                sc.value(), b.score(s, a, base.resolve("problems.json"), log).value(), EPS);
    }
}
