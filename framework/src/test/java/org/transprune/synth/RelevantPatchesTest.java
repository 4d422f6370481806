package org.transprune.synth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Relevant patches and patch labels against values worked out by hand. */
class RelevantPatchesTest {
    /** Square covering pixels x 41..80, y 50..89. */
    private static final SceneObject SQUARE = new SceneObject(ShapeKind.SQUARE, ShapeColor.GREEN, 41, 50, 40);

    private static Question about(SceneObject o) {
        return new Question(
                QuestionType.COLOR,
                "what color is the " + o.kind().word() + " ?",
                o.color().word(),
                List.of(o));
    }

    @Test
    void squareOnGrid24() {
        // 14 px patches. Columns: 2 [28,42) gets 1 px (x 41), 3 and 4 full, 5 [70,84) gets 11 px.
        // Rows: 3 [42,56) gets 6 px, 4 and 5 full, 6 [84,98) gets 6 px.
        // Column 2 reaches 5% (10 px of 196) only in the full rows 4 and 5 (14 px = 7.1%);
        // in rows 3 and 6 it has 6 px = 3.1%. Every other cell of rows 3..6 x columns 3..5 is >= 6*11.
        int[] expected = {
            3 * 24 + 3,
            3 * 24 + 4,
            3 * 24 + 5,
            4 * 24 + 2,
            4 * 24 + 3,
            4 * 24 + 4,
            4 * 24 + 5,
            5 * 24 + 2,
            5 * 24 + 3,
            5 * 24 + 4,
            5 * 24 + 5,
            6 * 24 + 3,
            6 * 24 + 4,
            6 * 24 + 5,
        };
        assertArrayEquals(expected, about(SQUARE).relevantPatches(24));
        // Any coverage at all: the four 6-px corner cells of column 2 join.
        int[] any = about(SQUARE).relevantPatches(24, 1e-9);
        assertEquals(16, any.length);
        assertTrue(Arrays.stream(any).anyMatch(p -> p == 3 * 24 + 2));
    }

    @Test
    void squareOnGrid12() {
        // 28 px patches. Columns: 1 [28,56) gets 15 px, 2 [56,84) gets 25 px.
        // Rows: 1 [28,56) gets 6 px, 2 full, 3 [84,112) gets 6 px.
        // Coverage: rows 1 and 3 x column 1 = 90/784 = 11.48%; x column 2 = 150/784 = 19.1%.
        int[] all = {1 * 12 + 1, 1 * 12 + 2, 2 * 12 + 1, 2 * 12 + 2, 3 * 12 + 1, 3 * 12 + 2};
        assertArrayEquals(all, about(SQUARE).relevantPatches(12));
        assertArrayEquals(all, about(SQUARE).relevantPatches(12, 0.114));
        int[] above12 = {1 * 12 + 2, 2 * 12 + 1, 2 * 12 + 2, 3 * 12 + 2};
        assertArrayEquals(above12, about(SQUARE).relevantPatches(12, 0.12));
        double[] cov = SQUARE.patchCoverage(new PatchGrid(12));
        assertEquals(90.0 / 784, cov[1 * 12 + 1], 1e-12);
        assertEquals(1.0 * 15 * 28 / 784, cov[2 * 12 + 1], 1e-12);
    }

    @Test
    void circleUsesItsMaskNotItsBox() {
        // Circle inscribed in box [0,84)^2, centre (42,42), radius 42. The corner patch [0,14)^2 of
        // grid 24 lies in the box but the circle only grazes it (about 5 px, under 5%).
        SceneObject circle = new SceneObject(ShapeKind.CIRCLE, ShapeColor.RED, 0, 0, 84);
        double[] cov = circle.patchCoverage(new PatchGrid(24));
        assertTrue(cov[0] > 0 && cov[0] < 0.05, "corner coverage " + cov[0]);
        assertEquals(1.0, cov[2 * 24 + 2], 1e-12, "a patch around the centre is fully covered");
        int[] relevant = about(circle).relevantPatches(24);
        assertFalse(Arrays.stream(relevant).anyMatch(p -> p == 0));
        assertTrue(Arrays.stream(relevant).anyMatch(p -> p == 2 * 24 + 2));
        // The mask's area is close to pi r^2 and far from the box's.
        assertEquals(Math.PI * 42 * 42, circle.pixelCount(), 60);
    }

    @Test
    void triangleApexIsNarrow() {
        SceneObject tri = new SceneObject(ShapeKind.TRIANGLE, ShapeColor.BLUE, 0, 0, 84);
        // Row 0's pixel centres (v = 0.5) allow |u - 42| <= 0.25: no pixel centre is that close.
        assertFalse(tri.covers(41, 0) || tri.covers(42, 0), "the apex is thinner than a pixel");
        assertTrue(tri.covers(41, 1) && tri.covers(42, 1) && !tri.covers(40, 1), "row 1: half-width 0.75");
        assertFalse(tri.covers(0, 0), "top-left corner of the box");
        assertTrue(tri.covers(0, 83) && tri.covers(83, 83), "base spans the box");
        assertEquals(84 * 84 / 2.0, tri.pixelCount(), 84);
    }

    @Test
    void gridThatDoesNotDivideTheFrame() {
        PatchGrid g = new PatchGrid(5); // edges 0, 67, 134, 201, 268, 336
        assertEquals(67 * 67, g.area(0));
        assertEquals(68 * 68, g.area(24));
        int total = 0;
        for (int p = 0; p < g.patches(); p++) {
            total += g.area(p);
        }
        assertEquals(336 * 336, total);
        double[] cov = SQUARE.patchCoverage(g);
        assertEquals(40.0 * 40 / (67 * 67), cov[0] + cov[1] + cov[5] + cov[6], 1e-12, "(x 41..80 crosses 67)");
    }

    @Test
    void patchLabelsTakeTheLargestCover() {
        SceneObject red = new SceneObject(ShapeKind.CIRCLE, ShapeColor.RED, 0, 0, 84);
        Scene s = new Scene(3, List.of(new SceneObject(ShapeKind.SQUARE, ShapeColor.GREEN, 100, 50, 40), red));
        PatchLabels labels = s.patchLabels(24, 0.05);
        assertEquals(0, labels.kind()[0], "grazed corner stays background");
        assertEquals(ShapeKind.CIRCLE.ordinal() + 1, labels.kind()[2 * 24 + 2]);
        assertEquals(ShapeColor.RED.ordinal() + 1, labels.color()[2 * 24 + 2]);
        int squarePatch = 5 * 24 + 8; // pixel (115, 75) lies in the moved square (x 100..139)
        assertEquals(ShapeKind.SQUARE.ordinal() + 1, labels.kind()[squarePatch]);
        assertEquals(ShapeColor.GREEN.ordinal() + 1, labels.color()[squarePatch]);
        assertEquals(0, labels.kind()[23 * 24 + 23]);
        int[] combined = labels.combined();
        assertEquals(1 + ShapeKind.SQUARE.ordinal() * 6 + ShapeColor.GREEN.ordinal(), combined[squarePatch]);
    }
}
