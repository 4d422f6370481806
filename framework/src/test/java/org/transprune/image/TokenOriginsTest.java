package org.transprune.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Token origins of AnyRes prompts, checked against the plans of {@link AnyResTest}. */
class TokenOriginsTest {

    private static final double EPS = 1e-12;

    private static TokenOrigins origins(int w, int h, AnyResRules rules) {
        return AnyRes.plan(w, h, AnyRes.STANDARD_PINPOINTS, rules, 336, 24, true)
                .origins();
    }

    @Test
    void wideImageUnderHfRules() {
        // 300x200 under hf: canvas 672x336, image 504 wide at x = 84; kept columns 6..41 of 48
        TokenOrigins o = origins(300, 200, AnyResRules.HF);
        assertEquals(1464, o.size());
        assertEquals(576, o.count(TokenOrigin.Kind.BASE));
        assertEquals(24 * 36, o.count(TokenOrigin.Kind.TILE));
        assertEquals(24, o.count(TokenOrigin.Kind.NEWLINE));

        TokenOrigin base = o.get(25);
        assertEquals(TokenOrigin.Kind.BASE, base.kind());
        assertEquals(1, base.row());
        assertEquals(1, base.column());
        assertEquals(0, base.view());
        assertEquals(1.0 / 24, base.x0(), EPS);
        assertEquals(2.0 / 24, base.y1(), EPS);

        TokenOrigin first = o.get(576);
        assertEquals(TokenOrigin.Kind.TILE, first.kind());
        assertEquals(0, first.tile());
        assertEquals(1, first.view());
        assertEquals(0, first.row());
        assertEquals(0, first.column());
        assertEquals(0.0, first.x0(), EPS); // grid column 6 starts at canvas x 84 = the image's left edge
        assertEquals(14.0 / 504, first.x1(), EPS);
        assertEquals(0.0, first.y0(), EPS);
        assertEquals(14.0 / 336, first.y1(), EPS);

        // grid column 6 + 17 = 23 is the last of tile 0, 6 + 18 = 24 the first of tile 1
        assertEquals(0, o.get(576 + 17).tile());
        assertEquals(1, o.get(576 + 18).tile());
        TokenOrigin last = o.get(576 + 35);
        assertEquals(1, last.tile());
        assertEquals(1.0, last.x1(), EPS);

        TokenOrigin nl = o.get(576 + 36);
        assertTrue(nl.isNewline());
        assertEquals(0, nl.row());
        assertEquals(36, nl.column());
        assertEquals(-1, nl.view());
        assertEquals(1.0, nl.x0(), EPS);
        assertEquals(nl.x0(), nl.x1(), EPS);

        TokenOrigin end = o.get(1463);
        assertTrue(end.isNewline());
        assertEquals(23, end.row());
        assertEquals(1.0, end.y1(), EPS);
    }

    @Test
    void tallGridUnderLlavaRulesCrossesTilesDownwards() {
        // 300x200 under llava: canvas 336x672, image 225 tall at y = 223; kept rows 16..31 of 48
        TokenOrigins o = origins(300, 200, AnyResRules.LLAVA);
        assertEquals(976, o.size());
        TokenOrigin first = o.get(576);
        assertEquals(0, first.tile());
        assertEquals((16 * 14 - 223) / 225.0, first.y0(), EPS);
        // kept row 8 is grid row 24, the first of the second tile
        assertEquals(0, o.get(576 + 7 * 25).tile());
        assertEquals(1, o.get(576 + 8 * 25).tile());
        assertEquals(1.0, o.get(576 + 15 * 25).y1(), EPS);
        assertEquals(16, o.count(TokenOrigin.Kind.NEWLINE));
    }

    @Test
    void everyTileTokenLiesInsideTheImageAndRowsAreOrdered() {
        for (int[] size : new int[][] {{110, 352}, {352, 110}, {1024, 768}, {480, 300}, {7, 9}}) {
            for (AnyResRules rules : AnyResRules.values()) {
                TokenOrigins o = origins(size[0], size[1], rules);
                int prevRow = -1;
                for (int i : o.indicesOf(TokenOrigin.Kind.TILE)) {
                    TokenOrigin t = o.get(i);
                    assertTrue(t.x0() >= 0 && t.x1() <= 1 && t.x0() <= t.x1(), t.toString());
                    assertTrue(t.y0() >= 0 && t.y1() <= 1 && t.y0() <= t.y1(), t.toString());
                    assertTrue(t.row() >= prevRow, "rows ascend");
                    prevRow = t.row();
                }
            }
        }
    }

    @Test
    void singleViewIsTheLlava15Grid() {
        TokenOrigins o = TokenOrigins.singleView(24);
        assertEquals(576, o.size());
        assertEquals(576, o.count(TokenOrigin.Kind.BASE));
        assertEquals("base(23,23)", o.get(575).label());
        assertEquals(1.0, o.get(575).x1(), EPS);
    }
}
