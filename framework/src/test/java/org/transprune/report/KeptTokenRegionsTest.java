package org.transprune.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.transprune.image.AnyRes;
import org.transprune.image.AnyResPlan;
import org.transprune.image.AnyResRules;
import org.transprune.image.TokenOrigin;
import org.transprune.image.TokenOrigins;
import org.transprune.records.AnyResLayout;
import org.transprune.records.SampleRecord;

/** LLaVA-NeXT kept tokens drawn through their origins: tile tokens on the image, the base view in an inset. */
class KeptTokenRegionsTest {
    private static final List<int[]> TINY = List.of(new int[] {56, 112}, new int[] {112, 56}, new int[] {112, 112});

    private static BufferedImage white(int w, int h) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, 0xFFFFFF);
            }
        }
        return img;
    }

    private static int red(BufferedImage img, int x, int y) {
        return (img.getRGB(x, y) >> 16) & 0xFF;
    }

    @Test
    void keptTileTokensStayBrightAndTheOthersAreDimmed() {
        // 120x50 under hf: a 1x2 tile grid, 4 rows x 8 columns kept by unpadding (16 + 4 x 9 = 52 tokens)
        AnyResPlan plan = AnyRes.plan(120, 50, TINY, AnyResRules.HF, 56, 4, true);
        TokenOrigins origins = plan.origins();
        assertEquals(52, origins.size());
        int firstTile = 16; // row 0, column 0 of the tile grid
        assertEquals(TokenOrigin.Kind.TILE, origins.get(firstTile).kind());
        int edge = 240;
        BufferedImage drawn =
                KeptTokenHeatmap.renderKeptRegions(white(120, 50), origins, new int[] {0, firstTile}, edge);
        TokenOrigin o = origins.get(firstTile);
        int cx = (int) ((o.x0() + o.x1()) / 2 * edge);
        int cy = (int) ((o.y0() + o.y1()) / 2 * edge);
        assertEquals(255, red(drawn, cx, cy), "a kept tile token's region stays as it is");
        TokenOrigin other = origins.get(firstTile + 3);
        int ox = (int) ((other.x0() + other.x1()) / 2 * edge);
        int oy = (int) ((other.y0() + other.y1()) / 2 * edge);
        assertTrue(red(drawn, ox, oy) < 128, "a dropped tile token's region is dimmed: " + red(drawn, ox, oy));
        // the inset (bottom-right third) shows the base grid: base token 0 (kept) bright, token 1 dimmed
        int inset = edge / 3;
        int cell = inset / 4;
        assertEquals(255, red(drawn, edge - inset + cell / 2, edge - inset + cell / 2));
        assertTrue(red(drawn, edge - inset + cell + cell / 2, edge - inset + cell / 2) < 128);
        // nothing pruned: the plain image
        BufferedImage plain = KeptTokenHeatmap.renderKeptRegions(white(120, 50), origins, null, edge);
        assertEquals(255, red(plain, ox, oy));
    }

    @Test
    void aRecordsAnyResLayoutRebuildsItsTokensOrigins() {
        AnyResPlan plan = AnyRes.plan(5, 7, TINY, AnyResRules.LLAVA, 56, 4, true);
        AnyResLayout layout = new AnyResLayout(
                "llava",
                plan.imageWidth(),
                plan.imageHeight(),
                plan.tileSize(),
                plan.patchGrid(),
                plan.bestWidth(),
                plan.bestHeight(),
                plan.resizedWidth(),
                plan.resizedHeight(),
                plan.tileRows(),
                plan.tileCols(),
                plan.firstRow(),
                plan.firstColumn(),
                plan.rows(),
                plan.columns(),
                plan.newline());
        assertEquals(plan.origins(), KeptTokenFigure.origins(layout));
        SampleRecord r = new SampleRecord(
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
                        46,
                        2,
                        null,
                        null,
                        new int[] {2},
                        List.of(new int[] {0, 20, 45}),
                        null,
                        null,
                        null,
                        null,
                        null,
                        null,
                        null,
                        null)
                .withAnyResLayout(layout);
        KeptTokenFigure.Panel p = KeptTokenFigure.panel("TransPrune", r);
        assertNotNull(p.origins());
        assertEquals(46, p.origins().size());
        assertEquals(3, p.keptPatches().length);
    }
}
