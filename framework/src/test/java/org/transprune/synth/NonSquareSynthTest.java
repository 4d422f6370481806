package org.transprune.synth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Non-square frames for LLaVA-NeXT: sizes, positions relative to the frame, patches, files; the square default unchanged. */
class NonSquareSynthTest {
    @TempDir
    Path tmp;

    @Test
    void framesParseAndRefuseWhatCannotHoldAShape() {
        assertEquals(
                List.of(new Frame(336, 168), new Frame(168, 336), new Frame(336, 336)),
                Frame.parseList("336x168, 168x336,336X336"));
        assertEquals("336x168", new Frame(336, 168).toString());
        assertEquals(Frame.NEXT, Frame.parseList("336x168,168x336,336x336"));
        assertThrows(IllegalArgumentException.class, () -> Frame.parse("336"));
        assertThrows(IllegalArgumentException.class, () -> Frame.parse("80x336"));
        assertThrows(IllegalArgumentException.class, () -> Frame.parse("337x336"));
    }

    @Test
    void imagesCycleThroughTheFramesAndQuestionsAreRelativeToEach() {
        SynthSampler sampler = new SynthSampler(3, Split.TEST, 6, Frame.NEXT);
        int positions = 0;
        for (int i = 0; i < 300; i++) {
            Sample s = sampler.next();
            Frame f = Frame.NEXT.get(i % 3);
            Scene scene = s.scene();
            assertEquals(f.width(), scene.width(), "image " + i);
            assertEquals(f.height(), scene.height(), "image " + i);
            assertEquals(f.width() * f.height() * 3, s.floatRgb().length);
            for (SceneObject o : scene.objects()) {
                assertTrue(o.x1() <= f.width() && o.y1() <= f.height(), "object inside the frame: " + o);
            }
            for (Question q : s.questions()) {
                assertEquals(f.width(), q.width());
                assertEquals(f.height(), q.height());
                if (q.type() == QuestionType.POSITION) {
                    positions++;
                    SceneObject o = q.objects().get(0);
                    switch (q.answer()) {
                        case "left" -> assertTrue(o.x1() <= f.width() / 2 - SceneQuestions.HALF_MARGIN);
                        case "right" -> assertTrue(o.x0() >= f.width() / 2 + SceneQuestions.HALF_MARGIN);
                        case "top" -> assertTrue(o.y1() <= f.height() / 2 - SceneQuestions.HALF_MARGIN);
                        case "bottom" -> assertTrue(o.y0() >= f.height() / 2 + SceneQuestions.HALF_MARGIN);
                        default -> throw new AssertionError(q.answer());
                    }
                }
            }
        }
        assertTrue(positions > 200, "position questions asked: " + positions);
    }

    @Test
    void patchesSpanTheFrameColumnsOverTheWidthRowsOverTheHeight() {
        PatchGrid g = new PatchGrid(12, 336, 168);
        assertEquals(28 * 14, g.area(0));
        assertEquals(11, g.columnOf(335));
        assertEquals(11, g.rowOf(167));
        assertEquals(5, g.rowOf(83));
        // A 28 px square at (280, 140) of a 336x168 frame: column 10 (28 px columns), rows 10-11 (14 px rows).
        SceneObject o = new SceneObject(ShapeKind.SQUARE, ShapeColor.RED, 280, 140, 28);
        Question q = new Question(QuestionType.COLOR, "what color is the square ?", "red", List.of(o), 336, 168);
        assertEquals(List.of(130, 142), box(q.relevantPatches(12)));
        // The same object in the square frame is one patch (row 5 of 28 px rows).
        Question square = new Question(QuestionType.COLOR, "what color is the square ?", "red", List.of(o));
        assertEquals(List.of(70), box(square.relevantPatches(12)));
        // A grid finer than the 168 px side (the run's 240-cell location of tile tokens): cells whose
        // centre pixel the square covers, columns 200-219 (x 280-307) and rows 200-239 (y 140-167).
        int[] fine = q.relevantPatches(240);
        assertEquals(20 * 40, fine.length);
        assertEquals(200 * 240 + 200, fine[0]);
        assertEquals(239 * 240 + 219, fine[fine.length - 1]);
        Scene scene = new Scene(1, List.of(o), 336, 168);
        PatchLabels labels = scene.patchLabels(12, 0.05);
        assertEquals(ShapeKind.SQUARE.ordinal() + 1, labels.kind()[142]);
        assertEquals(0, labels.kind()[70]);
        assertThrows(IllegalArgumentException.class, () -> new Scene(1, List.of(o), 168, 336));
    }

    private static List<Integer> box(int[] patches) {
        return java.util.Arrays.stream(patches).boxed().toList();
    }

    @Test
    void aNonSquareDatasetRecordsItsFramesAndReadsBack() throws Exception {
        Path out = tmp.resolve("next");
        SynthDataset.write(out, 9, 6, 2, Split.TEST, Vocabulary.LLAVA_SHORT_ANSWER_SUFFIX, false, Frame.NEXT);
        for (int i = 0; i < 6; i++) {
            BufferedImage img = ImageIO.read(
                    out.resolve("images").resolve(String.format("%06d.png", i)).toFile());
            assertEquals(Frame.NEXT.get(i % 3).width(), img.getWidth());
            assertEquals(Frame.NEXT.get(i % 3).height(), img.getHeight());
        }
        ObjectMapper json = new ObjectMapper();
        JsonNode summary = json.readTree(out.resolve(SynthDataset.SUMMARY).toFile());
        assertEquals(
                "[\"336x168\",\"168x336\",\"336x336\"]", summary.get("frames").toString());
        List<AnswerKeyEntry> key = SynthDataset.readAnswers(out);
        assertEquals(12, key.size());
        for (AnswerKeyEntry e : key) {
            int image = Integer.parseInt(e.image().substring(0, 6));
            assertEquals(Frame.NEXT.get(image % 3).width(), e.question().width());
            assertEquals(Frame.NEXT.get(image % 3).height(), e.question().height());
        }
        String firstLine = Files.readAllLines(out.resolve(SynthDataset.ANSWERS)).get(0);
        assertTrue(firstLine.contains("\"width\":336,\"height\":168"), firstLine);
    }

    /**
     * The default square split is byte for byte what the generator wrote before frames existed (the
     * committed experiments and results depend on it): digests of seed 2026's first 30 test images,
     * written by the generator before this change.
     */
    @Test
    void theSquareDefaultIsUnchanged() throws Exception {
        Path out = tmp.resolve("square");
        SynthDataset.write(out, 2026, 30, 2, Split.TEST);
        assertEquals(
                "9f92aff784bfe7daccc4eb78cf945a515a79236b9294e9b66240f909c72a7c0b",
                sha(Files.readAllBytes(out.resolve("questions.jsonl"))));
        assertEquals(
                "6fe1e343a8ae0b09d142034e0ccaac98e62287249f419fd7787ce144881d3554",
                sha(Files.readAllBytes(out.resolve("answers.jsonl"))));
        assertEquals(
                "c018ae8bfabe664567f0ccfc3317fa6246bd322a0e87cb2cd64f82c965afe343",
                sha(Files.readAllBytes(out.resolve("summary.json"))));
        ByteArrayOutputStream images = new ByteArrayOutputStream();
        try (Stream<Path> files = Files.list(out.resolve("images"))) {
            for (Path p : files.sorted().toList()) {
                images.write(Files.readAllBytes(p));
            }
        }
        assertEquals("8d94f6bd8f057c37a895888beaf1849e57dd4a9e2118328cab5f2cba422eb3ba", sha(images.toByteArray()));
        assertFalse(Files.readString(out.resolve("answers.jsonl")).contains("\"width\""));
    }

    private static String sha(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
