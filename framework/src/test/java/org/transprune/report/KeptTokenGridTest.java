package org.transprune.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transprune.records.SampleRecord;
import org.transprune.run.RunDirectory;

/** Kept-token figures over a rectangular token grid (Qwen2.5-VL's follows the image), beside the square ones. */
class KeptTokenGridTest {
    @TempDir
    Path tmp;

    @Test
    void aQwenConfigurationsMaxPixelsComesFromThePlanBeforeItsSummaryExists() throws IOException {
        // plan.json as a run writes it: a Qwen2.5-VL configuration's model section names max_pixels, LLaVA's not
        Files.writeString(
                tmp.resolve(RunDirectory.PLAN),
                "{\"configurations\": ["
                        + "{\"strategy\": \"none\", \"hash\": \"q\","
                        + " \"model\": {\"checkpoint\": \"sha256:1\", \"max_pixels\": 451584}},"
                        + "{\"strategy\": \"none\", \"hash\": \"l\","
                        + " \"model\": {\"checkpoint\": \"sha256:2\", \"template\": \"vicuna_v1\"}}],"
                        + " \"benchmarks\": []}");
        Map<String, JsonNode> planned = RunDirectory.plannedModels(tmp);
        assertEquals(2, planned.size());
        // no summary record yet (a partial run): the plan alone says which configuration is a Qwen2.5-VL
        Map<String, Integer> max = KeptTokenFigure.qwenMaxPixels(List.of(), planned);
        assertEquals(Map.of("q", 451_584), max);
        // so 64 tokens of a 448 x 112 image are drawn 4 x 16, not as LLaVA-1.5's 8 x 8 square
        assertArrayEquals(new int[] {4, 16}, KeptTokenFigure.tokenGrid(64, 448, 112, max.get("q")));
        assertArrayEquals(new int[] {8, 8}, KeptTokenFigure.tokenGrid(64, 448, 112, max.get("l")));
        // no plan: nothing known
        assertEquals(Map.of(), RunDirectory.plannedModels(tmp.resolve("missing")));
    }

    /** A uniform image of {@code width x height} px in (200, 150, 100). */
    private static BufferedImage image(int width, int height) {
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                img.setRGB(x, y, (200 << 16) | (150 << 8) | 100);
            }
        }
        return img;
    }

    private static int red(BufferedImage img, int x, int y) {
        return (img.getRGB(x, y) >> 16) & 0xff;
    }

    private static SampleRecord record(int imageTokens, int[] kept) {
        return new SampleRecord(
                "sample",
                "h",
                "synth",
                "1",
                null,
                "test-keep",
                "color",
                null,
                "red",
                true,
                60,
                imageTokens,
                2,
                null,
                null,
                new int[] {2},
                kept == null ? null : List.<int[]>of(kept),
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null);
    }

    @Test
    void theGridOfATokenCountFollowsTheImage() {
        // 336 x 224 px (W x H) under smart resize: 224 / 28 = 8 rows, 336 / 28 = 12 columns
        assertArrayEquals(new int[] {8, 12}, KeptTokenFigure.tokenGrid(96, 336, 224, 112 * 112 * 8));
        // without the model: the factorisation of 96 closest to the image's aspect 2:3
        assertArrayEquals(new int[] {8, 12}, KeptTokenFigure.tokenGrid(96, 336, 224, null));
        assertArrayEquals(new int[] {12, 8}, KeptTokenFigure.tokenGrid(96, 224, 336, null));
        // 448 x 112 px: 4 x 16 = 64 tokens, a square count that a Qwen2.5-VL model lays out as 4 x 16
        assertArrayEquals(new int[] {4, 16}, KeptTokenFigure.tokenGrid(64, 448, 112, 451_584));
        // a square count without a Qwen2.5-VL model is LLaVA-1.5's square grid, whatever the image
        assertArrayEquals(new int[] {8, 8}, KeptTokenFigure.tokenGrid(64, 448, 112, null));
        assertArrayEquals(new int[] {24, 24}, KeptTokenFigure.tokenGrid(576, 0, 0, null));
        // a non-square count without the image's size has no grid
        assertNull(KeptTokenFigure.tokenGrid(96, 0, 0, null));
        // max_pixels the image exceeds: scaled down (floor) to 4 x 6 = 24 tokens
        assertArrayEquals(new int[] {4, 6}, KeptTokenFigure.tokenGrid(24, 336, 224, 28 * 28 * 24));
    }

    @Test
    void aRecordOnAnEightByTwelveGridIsDrawnAtTheImagesAspect() {
        // kept: the whole first row (tokens 0..11) and token 95 (row 7, column 11)
        int[] kept = new int[13];
        for (int i = 0; i < 12; i++) {
            kept[i] = i;
        }
        kept[12] = 95;
        BufferedImage img = image(336, 224);
        KeptTokenFigure.Panel p = KeptTokenFigure.panel("TransPrune", record(96, kept), 336, 224, 112 * 112 * 8);
        assertEquals(8, p.rows());
        assertEquals(12, p.columns());
        assertArrayEquals(kept, p.keptPatches());
        BufferedImage fig = KeptTokenFigure.render(img, List.of(p), "Q: what color ?");
        assertEquals(KeptTokenFigure.PANEL, fig.getWidth());
        // 336 x 224 fits the 336 px panel at its own size, 56 px of white above and below
        int top = KeptTokenFigure.HEADER + (KeptTokenFigure.PANEL - 224) / 2;
        assertEquals(0xffffff, fig.getRGB(100, KeptTokenFigure.HEADER + 10) & 0xffffff, "letterbox above");
        assertEquals(0xffffff, fig.getRGB(100, top + 224 + 10) & 0xffffff, "letterbox below");
        // cells are 28 x 28 px: a kept cell's centre is the image itself, a dropped one is dimmed
        assertEquals(200, red(fig, 28 * 3 + 14, top + 14), "row 0, column 3: kept");
        assertEquals(200, red(fig, 28 * 11 + 14, top + 28 * 7 + 14), "row 7, column 11: kept");
        assertTrue(red(fig, 28 * 10 + 14, top + 28 * 7 + 14) < 100, "row 7, column 10: dimmed");
        assertTrue(red(fig, 28 * 3 + 14, top + 28 + 14) < 100, "row 1, column 3: dimmed");
        // nothing pruned: no kept set, the plain image in the same place
        KeptTokenFigure.Panel plain = KeptTokenFigure.panel("Full", record(96, null), 336, 224, null);
        assertNull(plain.keptPatches());
        BufferedImage both = KeptTokenFigure.render(img, List.of(plain, p), "Q");
        assertEquals(200, red(both, 28 * 3 + 14, top + 28 + 14), "the plain panel is not dimmed");
        assertTrue(red(both, KeptTokenFigure.PANEL + 28 * 3 + 14, top + 28 + 14) < 100, "the pruned one is");
    }

    @Test
    void theRectangularRendererDimsTheTokensItDidNotKeep() {
        // a 2 x 3 grid over 300 x 200 px: token 4 (row 1, column 1) covers x 100..199, y 100..199
        BufferedImage r = KeptTokenHeatmap.renderKept(image(30, 20), 2, 3, new int[] {4}, 300, 200);
        assertEquals(300, r.getWidth());
        assertEquals(200, r.getHeight());
        assertEquals(200, red(r, 150, 150), "kept");
        assertTrue(red(r, 150, 50) < 100, "token 1: dimmed");
        assertTrue(red(r, 250, 150) < 100, "token 5: dimmed");
        // nothing pruned: the plain image
        assertEquals(200, red(KeptTokenHeatmap.renderKept(image(30, 20), 2, 3, null, 300, 200), 150, 50));
    }
}
