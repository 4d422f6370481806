package org.transprune.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transprune.bench.choice.OptionLetters;

class ChoiceScoringTest {
    private static final double EPS = 1e-9;

    @Test
    void scienceQaLetterRuleIsStrict() {
        assertEquals("B", OptionLetters.scienceQa("B"));
        assertEquals("B", OptionLetters.scienceQa("B. The cat"));
        assertEquals("C", OptionLetters.scienceQa("The answer is C."));
        assertNull(OptionLetters.scienceQa("B."));
        assertNull(OptionLetters.scienceQa("(B)"));
        assertNull(OptionLetters.scienceQa("b"));
        assertNull(OptionLetters.scienceQa("The answer is A. The answer is B."));
    }

    @Test
    void vlmEvalKitLetterRule() {
        Map<String, String> ch = new LinkedHashMap<>();
        ch.put("A", "red apple");
        ch.put("B", "green pear");
        ch.put("C", "blue sky");
        ch.put("D", "white cloud");
        assertEquals("B", OptionLetters.vlmEvalKit("(B)", ch));
        assertEquals("B", OptionLetters.vlmEvalKit("B.", ch));
        assertEquals("C", OptionLetters.vlmEvalKit("The answer is C", ch));
        // two letters: ambiguous
        assertNull(OptionLetters.vlmEvalKit("B or C", ch));
        // lower-case letters are not option letters; no option text in it either
        assertNull(OptionLetters.vlmEvalKit("b", ch));
        // falls back to option text
        assertEquals("D", OptionLetters.vlmEvalKit("it is a white cloud", ch));
        // VLMEvalKit v0.2 with VERBOSE unset (its default) reads a standalone "A" as the letter even
        // in a longer answer; only its verbose mode takes it for the article (python3, can_infer -> 'A')
        assertEquals("A", OptionLetters.vlmEvalKit("A bird is flying in it", ch));
        assertEquals("Z", OptionLetters.vlmEvalKit("Cannot determine the answer", ch));
    }

    @Test
    void scienceQaImgAccuracy(@TempDir Path dir) throws Exception {
        Path q = dir.resolve("llava_test_CQM-A.json");
        Files.writeString(q, """
                [
                 {"id": "10", "image": "10/image.png", "conversations": [
                   {"from": "human", "value": "Context: A farm.\\nQuestion: Which animal?\\nOptions: (A) cow (B) hen\\n<image>"},
                   {"from": "gpt", "value": "The answer is B."}]},
                 {"id": "11", "conversations": [
                   {"from": "human", "value": "Context: N/A\\nQuestion: Which is a gas?\\nOptions: (A) air (B) rock (C) wood"},
                   {"from": "gpt", "value": "The answer is A."}]},
                 {"id": "12", "image": "12/image.png", "conversations": [
                   {"from": "human", "value": "Context: N/A\\nQuestion: Which color?\\nOptions: (A) red (B) blue\\n<image>"},
                   {"from": "gpt", "value": "The answer is A."}]},
                 {"id": "13", "image": "13/image.png", "conversations": [
                   {"from": "human", "value": "Context: N/A\\nQuestion: Which size?\\nOptions: (A) big (B) small\\n<image>"},
                   {"from": "gpt", "value": "The answer is A."}]}
                ]
                """);
        Benchmark b = Benchmarks.get("scienceqa");
        IssueLog log = new IssueLog(OnError.FAIL);
        List<Sample> s = b.readQuestions(q, null, log);
        assertEquals(
                "Context: A farm.\nQuestion: Which animal?\nOptions: (A) cow (B) hen\n"
                        + "Answer with the option's letter from the given choices directly.",
                s.get(0).prompt());
        assertEquals("<image>\n" + s.get(0).prompt(), s.get(0).answerPrompt());
        assertNull(s.get(1).image());
        List<Answer> a = List.of(
                Answer.of(s.get(0), "B", "m"), // right
                Answer.of(s.get(1), "A", "m"), // right, text-only
                Answer.of(s.get(2), "A.", "m"), // FAILED under the strict rule
                Answer.of(s.get(3), "A", "m")); // right
        Score sc = b.score(s, a, null, log);
        assertEquals(200.0 / 3, sc.value(), EPS); // IMG: 2 of 3
        assertEquals(75.0, sc.metric("accuracy"), EPS); // all: 3 of 4
        assertEquals(3.0, sc.metric("img_questions"), EPS);
    }

    @Test
    void seedExactMatchPerDataType(@TempDir Path dir) throws Exception {
        Path q = dir.resolve("llava-seed-bench.jsonl");
        Files.writeString(q, """
                {"question_id": "1", "image": "SEED-Bench-image/1.jpg", "text": "How many?\\nA. 1\\nB. 2\\nC. 3\\nD. 4\\nAnswer with the option's letter from the given choices directly."}
                {"question_id": "2", "image": "SEED-Bench-image/2.jpg", "text": "Which?\\nA. x\\nB. y\\nC. z\\nD. w\\nAnswer with the option's letter from the given choices directly."}
                {"question_id": "3", "image": "SEED-Bench-video-image/3.png", "text": "What next?\\nA. p\\nB. q\\nC. r\\nD. s\\nAnswer with the option's letter from the given choices directly."}
                """);
        Path ann = dir.resolve("SEED-Bench.json");
        Files.writeString(ann, """
                {"question_type": {"Instance Counting": 5, "Action Prediction": 11},
                 "questions": [
                  {"question_id": "1", "answer": "B", "question_type_id": 5, "data_type": "image"},
                  {"question_id": "2", "answer": "C", "question_type_id": 5, "data_type": "image"},
                  {"question_id": "3", "answer": "A", "question_type_id": 11, "data_type": "video"}]}
                """);
        Benchmark b = Benchmarks.get("seed");
        IssueLog log = new IssueLog(OnError.FAIL);
        List<Sample> s = b.readQuestions(q, null, log);
        List<Answer> a =
                List.of(Answer.of(s.get(0), "B", "m"), Answer.of(s.get(1), "C.", "m"), Answer.of(s.get(2), "A", "m"));
        Score sc = b.score(s, a, ann, log);
        assertEquals(50.0, sc.value(), EPS); // "C." is not "C" officially
        assertEquals(100.0, sc.metric("accuracy_video"), EPS);
        assertEquals(200.0 / 3, sc.metric("accuracy"), EPS);
        assertEquals(50.0, sc.metric("type/Instance Counting"), EPS);
        assertEquals(100.0, sc.metric("letter_accuracy_image"), EPS); // the diagnostic reads "C."
    }

    static String tinyPngBase64() throws Exception {
        BufferedImage img = new BufferedImage(2, 2, BufferedImage.TYPE_INT_RGB);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        return Base64.getEncoder().encodeToString(out.toByteArray());
    }

    static Path mmbenchTsv(Path dir) throws Exception {
        String img = tinyPngBase64();
        String h = "index\tquestion\thint\tA\tB\tC\tD\tanswer\tcategory\timage\tsource\tl2-category\tcomment\tsplit\n";
        String rows = String.join(
                "\n",
                // question 1: two rotations
                "1\tWhat is it?\tLook closely.\tcat\tdog\t\t\tA\tobject\t" + img + "\ts\tl2\tnan\tdev",
                "1000001\tWhat is it?\tLook closely.\tdog\tcat\t\t\tB\tobject\t" + img + "\ts\tl2\tnan\tdev",
                // question 2: two rotations, the second answered wrongly; a quoted cell with a tab
                "2\t\"Which \"\"one\"\"?\tplease\"\tnan\tred\tblue\tgreen\tNone\tC\tcolor\t" + img
                        + "\ts\tl2\tnan\tdev",
                "1000002\t\"Which \"\"one\"\"?\tplease\"\tnan\tblue\tgreen\tred\tNone\tB\tcolor\t" + img
                        + "\ts\tl2\tnan\tdev",
                "");
        Path tsv = dir.resolve("mmbench_dev.tsv");
        Files.writeString(tsv, h + rows, StandardCharsets.UTF_8);
        return tsv;
    }

    @Test
    void mmbenchPromptsAndCircularGrouping(@TempDir Path dir) throws Exception {
        Path tsv = mmbenchTsv(dir);
        Benchmark b = Benchmarks.get("mmbench");
        IssueLog log = new IssueLog(OnError.FAIL);
        List<Sample> s = b.readQuestions(tsv, null, log);
        assertEquals(4, s.size());
        assertEquals(
                "Look closely.\nWhat is it?\nA. cat\nB. dog\n"
                        + "Answer with the option's letter from the given choices directly.",
                s.get(0).prompt());
        // hint "nan" is absent; "None" stops the option list; quotes and tab preserved
        assertEquals(
                "Which \"one\"?\tplease\nA. red\nB. blue\nC. green", s.get(2).answerPrompt());
        assertEquals(2, ImageLoader.load(s.get(0), log).orElseThrow().getWidth());
        List<Answer> a = List.of(
                Answer.of(s.get(0), "A", "m"),
                Answer.of(s.get(1), "The answer is B.", "m"),
                Answer.of(s.get(2), "C", "m"),
                Answer.of(s.get(3), "red", "m")); // text match -> C, but the key is B
        Score sc = b.score(s, a, null, log);
        assertEquals(50.0, sc.value(), EPS); // group 1 all right, group 2 not
        assertEquals(100.0, sc.metric("single_accuracy"), EPS); // unrotated rows 1 and 2 both right
        assertEquals(2.0, sc.metric("circular_groups"), EPS);
        assertEquals(100.0, sc.metric("category/object"), EPS);
        assertEquals(0.0, sc.metric("category/color"), EPS);
    }

    @Test
    void mmbenchWithoutAnswerColumnIsRefused(@TempDir Path dir) throws Exception {
        Path tsv = dir.resolve("test.tsv");
        Files.writeString(tsv, "index\tquestion\tA\tB\timage\n5\tq?\tx\ty\t" + tinyPngBase64() + "\n");
        Benchmark b = Benchmarks.get("mmbench");
        IssueLog log = new IssueLog(OnError.FAIL);
        List<Sample> s = b.readQuestions(tsv, null, log);
        assertThrows(
                IllegalArgumentException.class, () -> b.score(s, List.of(Answer.of(s.get(0), "A", "m")), null, log));
    }
}
