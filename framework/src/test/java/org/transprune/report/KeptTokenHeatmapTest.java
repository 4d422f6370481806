package org.transprune.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.stream.IntStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeptTokenHeatmapTest {
    private static final int GREY = 128;

    /** A 64 x 64 mid-grey image, grid 4: patches 16 px wide, drawn 6x larger (384 px, 96 px cells). */
    private static BufferedImage grey() {
        BufferedImage img = new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 64; y++) {
            for (int x = 0; x < 64; x++) {
                img.setRGB(x, y, new Color(GREY, GREY, GREY).getRGB());
            }
        }
        return img;
    }

    /** Patches 0..14 are candidates scored by their number; 15 went earlier; 10..14 are kept. */
    private static BufferedImage stage() {
        int[] candidates = IntStream.range(0, 15).toArray();
        float[] scores = new float[15];
        for (int i = 0; i < 15; i++) {
            scores[i] = i;
        }
        return KeptTokenHeatmap.render(grey(), 4, candidates, scores, new int[] {10, 11, 12, 13, 14});
    }

    private static Color centre(BufferedImage img, int patch) {
        int cell = img.getWidth() / 4;
        return new Color(img.getRGB((patch % 4) * cell + cell / 2, (patch / 4) * cell + cell / 2));
    }

    @Test
    void scoresRunFromBlueToRed() {
        BufferedImage img = stage();
        assertEquals(384, img.getWidth());
        Color highest = centre(img, 14);
        Color lowest = centre(img, 0);
        assertTrue(highest.getRed() > highest.getBlue() + 50, highest.toString());
        assertTrue(lowest.getBlue() > lowest.getRed() + 30, lowest.toString());
    }

    @Test
    void earlierPrunedPatchesAreGreyAndDark() {
        Color pruned = centre(stage(), 15);
        assertTrue(pruned.getRed() < GREY / 2, pruned.toString());
        assertEquals(pruned.getRed(), pruned.getBlue(), 2);
        assertEquals(pruned.getRed(), pruned.getGreen(), 2);
    }

    @Test
    void keptPatchesAreOutlinedAndDroppedOnesDimmed() {
        BufferedImage img = stage();
        int cell = img.getWidth() / 4;
        // Patch 12 (row 3, column 0) is kept: its outline is white.
        Color edge = new Color(img.getRGB(cell / 2, 3 * cell + 1));
        assertTrue(edge.getRed() > 240 && edge.getGreen() > 240 && edge.getBlue() > 240, edge.toString());
        // Patch 9 (dropped) and patch 10 (kept) have neighbouring scores; the dropped one is darker.
        Color dropped = centre(img, 9);
        Color kept = centre(img, 10);
        assertTrue(
                dropped.getRed() + dropped.getGreen() + dropped.getBlue()
                        < kept.getRed() + kept.getGreen() + kept.getBlue() - 60,
                dropped + " vs " + kept);
        Color droppedEdge = new Color(img.getRGB(cell + cell / 2, 2 * cell + 1));
        assertTrue(droppedEdge.getRed() < 200, "no outline on a dropped patch: " + droppedEdge);
    }

    @Test
    void writesAPng(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("stage-1.png");
        KeptTokenHeatmap.writePng(stage(), file);
        BufferedImage back = ImageIO.read(file.toFile());
        assertEquals(384, back.getWidth());
        assertEquals(centre(stage(), 14).getRGB(), centre(back, 14).getRGB());
    }

    @Test
    void scoresMustAlignWithCandidates() {
        assertThrows(
                IllegalArgumentException.class,
                () -> KeptTokenHeatmap.render(grey(), 4, new int[] {0, 1}, new float[] {1}, new int[] {0}));
    }
}
