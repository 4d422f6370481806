package org.transprune.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transprune.bench.yesno.MmeBenchmark;
import org.transprune.bench.yesno.PopeBenchmark;

class YesNoScoringTest {
    private static final double EPS = 1e-9;

    @Test
    void popeAnswerParsing() {
        assertTrue(PopeBenchmark.saysYes("Yes"));
        assertFalse(PopeBenchmark.saysYes("No."));
        assertFalse(PopeBenchmark.saysYes("There is no dog"));
        assertFalse(PopeBenchmark.saysYes("no, there is not"));
        // only the first sentence counts
        assertTrue(PopeBenchmark.saysYes("Yes. There is no cat."));
        // the words are case-sensitive: "Not" and "NO" are not negative for eval_pope.py
        assertTrue(PopeBenchmark.saysYes("Not really"));
        assertTrue(PopeBenchmark.saysYes("NO"));
        // split on single spaces: a newline joins words
        assertTrue(PopeBenchmark.saysYes("maybe\nno"));
    }

    @Test
    void popePerSplitMetrics(@TempDir Path dir) throws Exception {
        Path q = dir.resolve("llava_pope_test.jsonl");
        Files.writeString(q, """
                {"question_id": 1, "image": "i1.jpg", "text": "Is there a dog in the image?", "category": "random"}
                {"question_id": 2, "image": "i1.jpg", "text": "Is there a cat in the image?", "category": "random"}
                {"question_id": 3, "image": "i2.jpg", "text": "Is there a car in the image?", "category": "random"}
                {"question_id": 4, "image": "i2.jpg", "text": "Is there a bus in the image?", "category": "random"}
                {"question_id": 5, "image": "i3.jpg", "text": "Is there a cup in the image?", "category": "adversarial"}
                {"question_id": 6, "image": "i3.jpg", "text": "Is there a fork in the image?", "category": "adversarial"}
                {"question_id": 7, "image": "i4.jpg", "text": "Is there a tree in the image?", "category": "adversarial"}
                {"question_id": 8, "image": "i4.jpg", "text": "Is there a kite in the image?", "category": "adversarial"}
                """);
        Path coco = Files.createDirectories(dir.resolve("coco"));
        Files.writeString(coco.resolve("coco_pope_random.json"), """
                {"question_id": 1, "image": "i1.jpg", "text": "Is there a dog in the image?", "label": "yes"}
                {"question_id": 2, "image": "i1.jpg", "text": "Is there a cat in the image?", "label": "yes"}
                {"question_id": 3, "image": "i2.jpg", "text": "Is there a car in the image?", "label": "no"}
                {"question_id": 4, "image": "i2.jpg", "text": "Is there a bus in the image?", "label": "no"}
                """);
        Files.writeString(coco.resolve("coco_pope_adversarial.json"), """
                {"question_id": 1, "image": "i3.jpg", "text": "Is there a cup in the image?", "label": "yes"}
                {"question_id": 2, "image": "i3.jpg", "text": "Is there a fork in the image?", "label": "yes"}
                {"question_id": 3, "image": "i4.jpg", "text": "Is there a tree in the image?", "label": "yes"}
                {"question_id": 4, "image": "i4.jpg", "text": "Is there a kite in the image?", "label": "no"}
                """);
        Path a = dir.resolve("answers.jsonl");
        Files.writeString(a, """
                {"question_id": 1, "prompt": "", "text": "Yes"}
                {"question_id": 2, "prompt": "", "text": "No, there is not."}
                {"question_id": 3, "prompt": "", "text": "Yes."}
                {"question_id": 4, "prompt": "", "text": "No"}
                {"question_id": 5, "prompt": "", "text": "Yes, there is a cup."}
                {"question_id": 6, "prompt": "", "text": "There is a not-so-small fork"}
                {"question_id": 7, "prompt": "", "text": "I see no tree"}
                {"question_id": 8, "prompt": "", "text": "Yes"}
                """);
        Benchmark b = Benchmarks.get("pope");
        IssueLog log = new IssueLog(OnError.FAIL);
        Score s = b.score(b.readQuestions(q, null, log), AnswersReader.read(a, log), coco, log);
        // random: pred y n y n vs label y y n n -> TP1 FN1 FP1 TN1
        assertEquals(50.0, s.metric("random/accuracy"), EPS);
        assertEquals(50.0, s.metric("random/precision"), EPS);
        assertEquals(50.0, s.metric("random/recall"), EPS);
        assertEquals(50.0, s.metric("random/f1"), EPS);
        assertEquals(50.0, s.metric("random/yes_ratio"), EPS);
        // adversarial: pred y y n y vs label y y y n -> TP2 FN1 FP1 TN0
        assertEquals(50.0, s.metric("adversarial/accuracy"), EPS);
        assertEquals(200.0 / 3, s.metric("adversarial/precision"), EPS);
        assertEquals(200.0 / 3, s.metric("adversarial/recall"), EPS);
        assertEquals(200.0 / 3, s.metric("adversarial/f1"), EPS);
        assertEquals(75.0, s.metric("adversarial/yes_ratio"), EPS);
        assertEquals(2.0, s.metric("adversarial/tp"), EPS);
        assertEquals((50.0 + 200.0 / 3) / 2, s.value(), EPS);
    }

    @Test
    void mmeParsing() {
        assertEquals("yes", MmeBenchmark.parse("Yes"));
        assertEquals("no", MmeBenchmark.parse("No, it is not."));
        assertEquals("yes", MmeBenchmark.parse("yes, it is"));
        // only the first four characters are searched
        assertEquals("other", MmeBenchmark.parse("The answer is no"));
        assertEquals("no", MmeBenchmark.parse("Not sure"));
        assertEquals("other", MmeBenchmark.parse("I don't know"));
    }

    @Test
    void mmeAccPlusAndTotals(@TempDir Path dir) throws Exception {
        Path root = Files.createDirectories(dir.resolve("MME_Benchmark_release_version"));
        Path existence = Files.createDirectories(root.resolve("existence"));
        Files.writeString(
                existence.resolve("001.txt"),
                "Is there a dog in this image? Please answer yes or no.\tYes\n"
                        + "Is there a cat in this image? Please answer yes or no.\tNo\n");
        Files.writeString(
                existence.resolve("002.txt"),
                "Is there a bus in this image? Please answer yes or no.\tYes\n"
                        + "Is there a car in this image? Please answer yes or no.\tNo\n");
        Path code = Files.createDirectories(root.resolve("code_reasoning").resolve("questions_answers_YN"));
        Files.createDirectories(root.resolve("code_reasoning").resolve("images"));
        // MME spells some questions with two spaces before the yes/no request
        Files.writeString(
                code.resolve("0001.txt"),
                "Does the code print 3?  Please answer yes or no.\tYes\n"
                        + "Does the code print 4?  Please answer yes or no.\tNo\n");
        Path q = dir.resolve("llava_mme.jsonl");
        String sfx = "\\nAnswer the question using a single word or phrase.";
        Files.writeString(
                q,
                String.join(
                        "\n",
                        "{\"question_id\": \"existence/001.jpg\", \"image\": \"existence/001.jpg\", \"category\": \"existence\", \"text\": \"Is there a dog in this image? Please answer yes or no."
                                + sfx + "\"}",
                        "{\"question_id\": \"existence/001.jpg\", \"image\": \"existence/001.jpg\", \"category\": \"existence\", \"text\": \"Is there a cat in this image? Please answer yes or no."
                                + sfx + "\"}",
                        "{\"question_id\": \"existence/002.jpg\", \"image\": \"existence/002.jpg\", \"category\": \"existence\", \"text\": \"Is there a bus in this image? Please answer yes or no."
                                + sfx + "\"}",
                        "{\"question_id\": \"existence/002.jpg\", \"image\": \"existence/002.jpg\", \"category\": \"existence\", \"text\": \"Is there a car in this image? Please answer yes or no."
                                + sfx + "\"}",
                        "{\"question_id\": \"code_reasoning/0001.png\", \"image\": \"code_reasoning/images/0001.png\", \"category\": \"code_reasoning\", \"text\": \"Does the code print 3?"
                                + sfx + "\"}",
                        "{\"question_id\": \"code_reasoning/0001.png\", \"image\": \"code_reasoning/images/0001.png\", \"category\": \"code_reasoning\", \"text\": \"Does the code print 4?"
                                + sfx + "\"}",
                        ""));
        Benchmark b = Benchmarks.get("mme");
        IssueLog log = new IssueLog(OnError.FAIL);
        var samples = b.readQuestions(q, null, log);
        // answers in a different order than the questions: grouping is by image, not by position
        String[] texts = {"Yes", "No", "Yes", "Yes", "yes, it is", "The answer is no"};
        int[] order = {5, 0, 3, 1, 4, 2};
        var answers = new ArrayList<Answer>();
        for (int i : order) {
            answers.add(Answer.of(samples.get(i), texts[i], "m"));
        }
        Score s = b.score(samples, answers, root, log);
        // existence: 3/4 right = 75; image 001 both right, 002 not -> acc+ 50; score 125
        assertEquals(75.0, s.metric("existence/acc"), EPS);
        assertEquals(50.0, s.metric("existence/acc+"), EPS);
        assertEquals(125.0, s.metric("existence/score"), EPS);
        // code_reasoning: 1/2 right ("The answer is no" is "other"), acc+ 0 -> 50
        assertEquals(50.0, s.metric("code_reasoning/score"), EPS);
        assertEquals(125.0, s.metric("perception"), EPS);
        assertEquals(50.0, s.metric("cognition"), EPS);
        assertEquals(175.0, s.metric("total"), EPS);
        assertEquals(125.0, s.value(), EPS);
    }
}
