package org.transprune.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * AnyRes geometry against values worked out from the reference rules (Hugging Face's
 * {@code select_best_resolution}, {@code get_patch_output_size}, {@code unpad_image}; the original
 * LLaVA's {@code mm_utils.py} and {@code llava_arch.py}), with the standard v1.6 pinpoints, 336 px
 * tiles and a 24x24 patch grid.
 */
class AnyResTest {

    private static AnyResPlan plan(int w, int h, String rules) {
        return AnyRes.plan(w, h, AnyRes.STANDARD_PINPOINTS, AnyResRules.parse(rules), 336, 24, true);
    }

    /**
     * Columns: image w x h, rules, chosen resolution (w, h), resized (w, h), tile grid (rows,
     * cols), unpadded window (first row, first column, rows, columns), image tokens.
     */
    @ParameterizedTest(name = "{0}x{1} {2}")
    @CsvSource({
        // ties (any image up to 336x336): HF takes [336,672] as 672 wide, LLaVA as 672 tall
        "300, 200, hf,    672, 336,  504, 336, 1, 2,  0, 6, 24, 36,  1464",
        "300, 200, llava, 336, 672,  336, 225, 2, 1,  16, 0, 16, 24, 976",
        // unpadding: 110 * 48/352 = 14.999999999999998; HF rounds to 15 first, LLaVA truncates to 14
        "110, 352, hf,    336, 672,  210, 672, 2, 1,  0, 4, 48, 16,  1392",
        "110, 352, llava, 336, 672,  210, 672, 2, 1,  0, 5, 48, 14,  1296",
        "352, 110, hf,    672, 336,  672, 210, 1, 2,  4, 0, 16, 48,  1360",
        "352, 110, llava, 672, 336,  672, 210, 1, 2,  5, 0, 14, 48,  1262",
        // square
        "336, 336, hf,    672, 336,  336, 336, 1, 2,  0, 12, 24, 24, 1176",
        "336, 336, llava, 336, 672,  336, 336, 2, 1,  12, 0, 24, 24, 1176",
        "337, 337, hf,    672, 672,  672, 672, 2, 2,  0, 0, 48, 48,  2928",
        "337, 337, llava, 672, 672,  672, 672, 2, 2,  0, 0, 48, 48,  2928",
        // wide and tall: both rule sets agree
        "480, 300, hf,    672, 336,  538, 336, 1, 2,  0, 5, 24, 38,  1512",
        "480, 300, llava, 672, 336,  538, 336, 1, 2,  0, 5, 24, 38,  1512",
        "300, 480, hf,    336, 672,  336, 538, 2, 1,  5, 0, 38, 24,  1526",
        "1024, 768, hf,   672, 672,  672, 504, 2, 2,  6, 0, 36, 48,  2340",
        "1024, 768, llava,672, 672,  672, 504, 2, 2,  6, 0, 36, 48,  2340",
        "999, 333, hf,    1008, 336, 1008, 336, 1, 3, 0, 0, 24, 72,  2328",
        "333, 1000, llava,336, 1008, 336, 1008, 3, 1, 0, 0, 72, 24,  2376",
        "2000, 100, hf,   1008, 336, 1008, 51, 1, 3,  10, 0, 4, 72,  868",
        // odd padding: the extra pixel goes to the bottom
        "500, 499, hf,    672, 672,  672, 671, 2, 2,  0, 0, 48, 48,  2928",
        // tiny and extreme: unpadding can leave no columns (newlines only) or no rows at all
        "1, 1, hf,        672, 336,  336, 336, 1, 2,  0, 12, 24, 24, 1176",
        "1, 1, llava,     336, 672,  336, 336, 2, 1,  12, 0, 24, 24, 1176",
        "10, 1000, hf,    336, 1008, 11, 1008, 3, 1,  0, 12, 72, 0,  648",
        "1000, 10, llava, 1008, 336, 1008, 11, 1, 3,  12, 0, 0, 72,  576",
    })
    void planMatchesReferenceRules(
            int w,
            int h,
            String rules,
            int bestW,
            int bestH,
            int resizedW,
            int resizedH,
            int tileRows,
            int tileCols,
            int firstRow,
            int firstCol,
            int rows,
            int cols,
            int tokens) {
        AnyResPlan p = plan(w, h, rules);
        assertEquals(bestW, p.bestWidth(), "best width");
        assertEquals(bestH, p.bestHeight(), "best height");
        assertEquals(resizedW, p.resizedWidth(), "resized width");
        assertEquals(resizedH, p.resizedHeight(), "resized height");
        assertEquals(tileRows, p.tileRows(), "tile rows");
        assertEquals(tileCols, p.tileCols(), "tile columns");
        assertEquals(firstRow, p.firstRow(), "first kept row");
        assertEquals(firstCol, p.firstColumn(), "first kept column");
        assertEquals(rows, p.rows(), "kept rows");
        assertEquals(cols, p.columns(), "kept columns");
        assertEquals(tokens, p.imageTokens(), "image tokens");
        assertEquals(576 + rows * (cols + 1), p.imageTokens());
        assertEquals(tileRows * tileCols + 1, p.views());
    }

    @Test
    void withoutNewlineRowsAreNotExtended() {
        AnyResPlan p = AnyRes.plan(300, 200, AnyRes.STANDARD_PINPOINTS, AnyResRules.HF, 336, 24, false);
        assertEquals(576 + 24 * 36, p.imageTokens());
    }

    @Test
    void tieGoesToTheFirstPinpointInListOrder() {
        List<int[]> swapped = List.of(new int[] {672, 336}, new int[] {336, 672});
        assertArrayEquals(new int[] {336, 672}, AnyRes.selectBest(300, 200, swapped, AnyResRules.HF));
        assertArrayEquals(new int[] {672, 336}, AnyRes.selectBest(300, 200, swapped, AnyResRules.LLAVA));
    }

    @Test
    void largerEffectiveResolutionBeatsLessWaste() {
        // 700x700 fits 672x672 best (451584 effective pixels) although 1008x336 wastes less of nothing
        assertArrayEquals(new int[] {672, 672}, AnyRes.selectBest(700, 700, AnyRes.STANDARD_PINPOINTS, AnyResRules.HF));
    }

    @Test
    void malformedPinpointsAreNamed() {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> AnyRes.plan(
                        10, 10, List.of(new int[] {336, 672}, new int[] {300, 672}), AnyResRules.HF, 336, 24, true));
        assertTrue(e.getMessage().contains("image_grid_pinpoints[1]"), e.getMessage());
        assertThrows(
                IllegalArgumentException.class,
                () -> AnyRes.plan(10, 10, List.of(new int[] {336}), AnyResRules.HF, 336, 24, true));
        assertThrows(
                IllegalArgumentException.class, () -> AnyRes.plan(10, 10, List.of(), AnyResRules.HF, 336, 24, true));
        assertThrows(IllegalArgumentException.class, () -> AnyResRules.parse("pytorch"));
    }

    @Test
    void viewsAreBaseThenTilesOfThePaddedCanvas() {
        RgbImage white = RgbImage.filled(300, 200, 255, 255, 255);
        AnyResPlan p = plan(300, 200, "hf");
        List<RgbImage> views = AnyRes.views(white, p, Resampler.Filter.BICUBIC);
        assertEquals(3, views.size());
        // base: the whole image squashed to one tile, no padding
        RgbImage base = views.get(0);
        assertEquals(336, base.width());
        assertEquals(336, base.height());
        assertEquals(255, base.get(0, 0, 0));
        assertEquals(255, base.get(335, 335, 2));
        // canvas 672x336, image 504 wide pasted at x = 84: tile 0 is black left of 84, white from it
        RgbImage left = views.get(1);
        RgbImage right = views.get(2);
        assertEquals(0, left.get(83, 100, 1));
        assertEquals(255, left.get(84, 100, 1));
        assertEquals(255, right.get(251, 100, 1));
        assertEquals(0, right.get(252, 100, 1));
        assertEquals(84, p.pasteX());
        assertEquals(0, p.pasteY());
    }

    @Test
    void oddPaddingPutsTheExtraPixelAtTheBottom() {
        RgbImage white = RgbImage.filled(500, 499, 255, 255, 255);
        AnyResPlan p = plan(500, 499, "llava");
        RgbImage canvas = AnyRes.canvas(white, p, Resampler.Filter.BICUBIC);
        assertEquals(0, p.pasteY());
        assertEquals(255, canvas.get(10, 0, 0));
        assertEquals(255, canvas.get(10, 670, 0));
        assertEquals(0, canvas.get(10, 671, 0));
    }

    @Test
    void tilesAreCutRowByRow() {
        // a 672x672 image whose quadrants differ: tiles come top-left, top-right, bottom-left, bottom-right
        RgbImage img = RgbImage.filled(672, 672, 0, 0, 0);
        for (int y = 0; y < 672; y++) {
            for (int x = 0; x < 672; x++) {
                img.set(x, y, 0, (y / 336) * 2 + x / 336 + 1);
            }
        }
        AnyResPlan p = plan(672, 672, "hf");
        List<RgbImage> views = AnyRes.views(img, p, Resampler.Filter.BICUBIC);
        assertEquals(5, views.size());
        for (int t = 0; t < 4; t++) {
            assertEquals(t + 1, views.get(t + 1).get(168, 168, 0), "tile " + t);
        }
    }
}
