package org.transprune.synth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SynthDatasetTest {
    @TempDir
    Path tmp;

    /** SHA-256 of every file under {@code dir}, by relative path. */
    private static Map<String, String> hashes(Path dir) throws Exception {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.filter(Files::isRegularFile).toList()) {
                byte[] d = MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p));
                out.put(dir.relativize(p).toString(), HexFormat.of().formatHex(d));
            }
        }
        return out;
    }

    @Test
    void sameSeedGivesIdenticalBytesOtherSeedDoesNot() throws Exception {
        SynthDataset.write(tmp.resolve("a"), 42, 12, 2, Split.TEST);
        SynthDataset.write(tmp.resolve("b"), 42, 12, 2, Split.TEST);
        SynthDataset.write(tmp.resolve("c"), 43, 12, 2, Split.TEST);
        Map<String, String> a = hashes(tmp.resolve("a"));
        assertEquals(3 + 12, a.size());
        assertEquals(a, hashes(tmp.resolve("b")));
        Map<String, String> c = hashes(tmp.resolve("c"));
        assertEquals(a.keySet(), c.keySet());
        for (String f : List.of("questions.jsonl", "answers.jsonl", "images/000000.png")) {
            assertNotEquals(a.get(f), c.get(f), f);
        }
    }

    @Test
    void aBlankCopyKeepsQuestionsAndAnswersAndDrawsOnlyTheBackground() throws Exception {
        SynthDataset.write(tmp.resolve("full"), 42, 6, 2, Split.TEST);
        SynthDataset.write(tmp.resolve("blank"), 42, 6, 2, Split.TEST, Vocabulary.LLAVA_SHORT_ANSWER_SUFFIX, true);
        Map<String, String> full = hashes(tmp.resolve("full"));
        Map<String, String> blank = hashes(tmp.resolve("blank"));
        assertEquals(full.get("questions.jsonl"), blank.get("questions.jsonl"));
        assertEquals(full.get("answers.jsonl"), blank.get("answers.jsonl"));
        assertTrue(Files.readString(tmp.resolve("blank/summary.json")).contains("\"blank_images\" : true"));
        SynthSampler sampler = new SynthSampler(42, Split.TEST, 2);
        for (int i = 0; i < 6; i++) {
            Scene scene = sampler.next().scene();
            String file = String.format("images/%06d.png", i);
            assertNotEquals(full.get(file), blank.get(file), file);
            BufferedImage img = ImageIO.read(tmp.resolve("blank").resolve(file).toFile());
            BufferedImage background = new Scene(scene.noiseSeed(), List.of()).render();
            for (int y = 0; y < Scene.SIZE; y += 7) {
                for (int x = 0; x < Scene.SIZE; x += 7) {
                    assertEquals(background.getRGB(x, y), img.getRGB(x, y), file + " at " + x + "," + y);
                }
            }
        }
    }

    @Test
    void filesFollowTheLlavaLayoutAndAgree() throws Exception {
        Path dir = tmp.resolve("d");
        SynthSummary summary = SynthDataset.write(dir, 5, 10, 3, Split.VAL, "Answer with one word.");
        assertEquals(30, summary.questions());
        ObjectMapper json = new ObjectMapper();
        List<String> qLines = Files.readAllLines(dir.resolve(SynthDataset.QUESTIONS));
        List<AnswerKeyEntry> key = SynthDataset.readAnswers(dir);
        assertEquals(30, qLines.size());
        assertEquals(30, key.size());
        List<Sample> samples = new ArrayList<>();
        SynthSampler sampler = new SynthSampler(5, Split.VAL, 3);
        for (int i = 0; i < 10; i++) {
            samples.add(sampler.next());
        }
        for (int i = 0; i < 30; i++) {
            JsonNode q = json.readTree(qLines.get(i));
            AnswerKeyEntry k = key.get(i);
            assertEquals(i, q.get("question_id").asLong());
            assertEquals(k.questionId(), q.get("question_id").asLong());
            assertEquals(k.image(), q.get("image").asText());
            assertEquals(
                    k.question().text() + "\nAnswer with one word.",
                    q.get("text").asText());
            assertEquals(k.question().type().category(), q.get("category").asText());
            assertEquals(samples.get(i / 3).questions().get(i % 3), k.question(), "key round-trips the question");
            assertTrue(Files.exists(dir.resolve("images").resolve(q.get("image").asText())));
        }
        // Relevant patches written for other readers equal those recomputed from the stored objects.
        List<String> aLines = Files.readAllLines(dir.resolve(SynthDataset.ANSWERS));
        for (int i = 0; i < 30; i++) {
            JsonNode a = json.readTree(aLines.get(i));
            for (int g : SynthDataset.KEY_GRIDS) {
                int[] stored = json.treeToValue(a.get("relevant_patches").get(Integer.toString(g)), int[].class);
                assertArrayEquals(key.get(i).question().relevantPatches(g), stored);
            }
            assertEquals(key.get(i).question().objects().size(), a.get("boxes").size());
        }
        // The PNG holds exactly the rendered pixels.
        BufferedImage png = ImageIO.read(dir.resolve("images/000004.png").toFile());
        BufferedImage rendered = samples.get(4).image();
        assertEquals(336, png.getWidth());
        for (int y = 0; y < 336; y += 7) {
            for (int x = 0; x < 336; x += 5) {
                assertEquals(rendered.getRGB(x, y), png.getRGB(x, y));
            }
        }
        JsonNode s = json.readTree(dir.resolve(SynthDataset.SUMMARY).toFile());
        assertEquals(SynthSampler.VERSION, s.get("generator_version").asText());
        assertEquals(5, s.get("seed").asLong());
        assertEquals("val", s.get("split").asText());
        int sum = 0;
        for (JsonNode c : s.get("questions_per_category")) {
            sum += c.asInt();
        }
        assertEquals(30, sum);
        assertTrue(s.get("majority_answer").has("count"));
    }

    @Test
    void summaryBaselinesOnAKnownSet() {
        SceneObject o = new SceneObject(ShapeKind.CIRCLE, ShapeColor.RED, 0, 0, 40);
        Question yes = new Question(QuestionType.EXIST, "is there a red circle ?", "yes", List.of(o));
        Question noA = new Question(QuestionType.EXIST, "is there a blue circle ?", "no", List.of());
        Question left =
                new Question(QuestionType.POSITION, "is the circle on the left or the right ?", "left", List.of(o));
        Question top =
                new Question(QuestionType.POSITION, "is the circle at the top or the bottom ?", "top", List.of(o));
        Question bottom =
                new Question(QuestionType.POSITION, "is the circle at the top or the bottom ?", "bottom", List.of(o));
        SynthSummary s = SynthSummary.of(1, Split.TEST, 3, 2, "", List.of(yes, noA, noA, left, top, bottom));
        assertEquals("no", s.majorityAnswer().get("exist"));
        assertEquals(0.6667, s.majorityShare().get("exist"));
        assertEquals(0.6667, s.templatePriorShare().get("exist"), "colour and kind are masked: one template");
        assertEquals("left", s.majorityAnswer().get("position"), "ties go to the first answer");
        assertEquals(0.3333, s.majorityShare().get("position"));
        assertEquals(0.6667, s.templatePriorShare().get("position"), "left/right and top/bottom templates");
        assertEquals(
                "is the <color> <kind> left or right of the <kind> ?",
                new Question(
                                QuestionType.RELATION,
                                "is the red circle left or right of the square ?",
                                "left",
                                List.of())
                        .template());
        assertEquals(
                "how many <kinds> are there ?",
                new Question(QuestionType.COUNT, "how many circles are there ?", "0", List.of()).template());
        assertEquals(0.0, s.majorityShare().get("count"));
    }

    @Test
    void refusesNonEmptyOutput() throws IOException {
        Files.writeString(tmp.resolve("x.txt"), "x");
        assertThrows(IllegalArgumentException.class, () -> SynthDataset.write(tmp, 1, 1, 1, Split.TEST));
    }
}
