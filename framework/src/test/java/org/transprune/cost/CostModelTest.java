package org.transprune.cost;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.transprune.config.ModelPresets;

class CostModelTest {

    private static final long D = 4096;
    private static final long M = 11008;

    /** The paper's per-layer formula, written out independently of CostModel. */
    private static long byHand(long n) {
        return 4 * n * D * D + 2 * n * n * D + 3 * n * D * M;
    }

    private final CostModel llava7b =
            CostModel.of(ModelPresets.config(ModelPresets.LLAVA_1_5_7B).text());

    @Test
    void unprunedLlava15SevenBIs382Tflops() {
        CostReport r = llava7b.report(PruneSchedule.unpruned(576), 2);
        assertEquals(119_286_005_760L, llava7b.layerFlops(576));
        assertEquals(32 * byHand(576), r.flops());
        assertEquals(3_817_152_184_320L, r.flops());
        // The paper prints 3.82; the exact value is 3.8172 TFLOPs (10^12).
        assertEquals("3.82", String.format(Locale.ROOT, "%.2f", r.tflops()));
        assertEquals(1.0, r.flopsRatio());
        assertEquals(576.0, r.averageRetainedTokens());
    }

    @Test
    void transPruneDefaultScheduleByHand() {
        PruneSchedule s = PruneSchedule.ofOriginalRatios(576, List.of(7, 9, 12), List.of(0.875, 0.625, 0.125));
        // Layers 1..7 see 576, 8..9 see 504, 10..12 see 360, 13..32 see 72.
        long expected = 7 * byHand(576) + 2 * byHand(504) + 3 * byHand(360) + 20 * byHand(72);
        CostReport r = llava7b.report(s, 2);
        assertEquals(expected, r.flops());
        assertEquals(1_557_177_827_328L, r.flops());
        assertEquals("1.56", String.format(Locale.ROOT, "%.2f", r.tflops()));
        assertEquals(expected / (double) (32 * byHand(576)), r.flopsRatio(), 1e-12);
        assertTrue(r.flopsRatio() < 0.5, "the paper claims more than halving: " + r.flopsRatio());
        assertEquals((7 * 576 + 2 * 504 + 3 * 360 + 20 * 72) / 32.0, r.averageRetainedTokens(), 1e-12);
        assertEquals(236.25, r.averageRetainedTokens(), 1e-12);
    }

    @Test
    void fastVKTwoRHalf() {
        PruneSchedule s = PruneSchedule.ofOriginalRatios(576, List.of(2), List.of(0.5));
        long expected = 2 * byHand(576) + 30 * byHand(288);
        assertEquals(expected, llava7b.totalFlops(s));
        assertEquals("2.01", String.format(Locale.ROOT, "%.2f", expected / 1e12));
        assertEquals((2 * 576 + 30 * 288) / 32.0, llava7b.averageRetainedTokens(s), 1e-12);
    }

    @Test
    void pyramidDropHalving() {
        PruneSchedule s = PruneSchedule.ofRemainingFractions(576, List.of(8, 16, 24), List.of(0.5, 0.5, 0.5));
        long expected = 8 * (byHand(576) + byHand(288) + byHand(144) + byHand(72));
        assertEquals(expected, llava7b.totalFlops(s));
        assertEquals("1.78", String.format(Locale.ROOT, "%.2f", expected / 1e12));
        assertEquals(270.0, llava7b.averageRetainedTokens(s), 1e-12);
    }

    @Test
    void kvCacheIsHalfAMebibytePerTokenForLlava7bFp16() {
        assertEquals(512L * 1024, llava7b.kvBytesPerToken(2));
        CostReport full = llava7b.report(PruneSchedule.unpruned(576), 2);
        assertEquals(576 * 512L * 1024, full.kvCacheBytes());
        assertEquals(288.0, full.kvCacheMiB(), 1e-12);
        // Per layer: 2 (K and V) * 32 heads * 128 dims * 2 bytes = 16 KiB per token.
        PruneSchedule s = PruneSchedule.ofOriginalRatios(576, List.of(7, 9, 12), List.of(0.875, 0.625, 0.125));
        long tokenLayers = 7 * 576 + 2 * 504 + 3 * 360 + 20 * 72;
        assertEquals(tokenLayers * 16 * 1024, llava7b.kvCacheBytes(s, 2));
    }

    @Test
    void textTokensAreCachedByEveryLayer() {
        PruneSchedule s = PruneSchedule.ofOriginalRatios(576, List.of(2), List.of(0.5));
        long image = llava7b.kvCacheBytes(s, 2);
        assertEquals(image + 40 * 512L * 1024, llava7b.kvCacheBytes(s, 40, 2));
        CostReport r = llava7b.report(s, 40, 2);
        assertEquals(image, r.kvCacheBytes());
        assertEquals(image + 40 * 512L * 1024, r.kvCacheBytesWithText());
    }

    @Test
    void groupedQueryAttentionShrinksOnlyTheKvCache() {
        CostModel mistral = CostModel.of(
                ModelPresets.config(ModelPresets.LLAVA_NEXT_MISTRAL_7B).text());
        // 8 KV heads instead of 32: a quarter of the cache; FLOPs use d and m only (paper convention).
        assertEquals(128L * 1024, mistral.kvBytesPerToken(2));
        long n = 2880;
        assertEquals(
                32 * (4 * n * D * D + 2 * n * n * D + 3 * n * D * 14336),
                mistral.totalFlops(PruneSchedule.unpruned(2880)));
    }

    @Test
    void thirteenBUsesItsOwnShape() {
        CostModel m13 =
                CostModel.of(ModelPresets.config(ModelPresets.LLAVA_1_5_13B).text());
        long n = 576;
        long d = 5120;
        long m = 13824;
        assertEquals(40 * (4 * n * d * d + 2 * n * n * d + 3 * n * d * m), m13.totalFlops(PruneSchedule.unpruned(576)));
        assertEquals(
                "7.44",
                String.format(
                        Locale.ROOT,
                        "%.2f",
                        m13.report(PruneSchedule.unpruned(576), 2).tflops()));
    }

    @Test
    void scheduleBeyondTheModelIsRejected() {
        PruneSchedule s = PruneSchedule.ofOriginalRatios(576, List.of(7, 33), List.of(0.5, 0.25));
        String msg = assertThrows(IllegalArgumentException.class, () -> llava7b.totalFlops(s))
                .getMessage();
        assertTrue(msg.contains("beyond the model's depth") && msg.contains("32 layers"), msg);
    }

    @Test
    void aProjectorStageIsLayerZeroAndEveryLayerSeesWhatEnteredTheDecoder() {
        // VisionZip to 192 tokens: every one of the 32 layers holds 192 image tokens.
        PruneSchedule s = new PruneSchedule(576, List.of(new PruneSchedule.Stage(0, 192)));
        CostReport r = llava7b.report(s, 2);
        assertEquals(32 * byHand(192), r.flops());
        assertEquals(192.0, r.averageRetainedTokens());
        assertEquals(32L * 192 * 2 * 32 * 128 * 2, r.kvCacheBytes());
        // Chained with TransPrune's ratios of the 192 that entered: 168 after 7, 120 after 9, 24 after 12.
        PruneSchedule inside = PruneSchedule.ofOriginalRatios(192, List.of(7, 9, 12), List.of(0.875, 0.625, 0.125));
        PruneSchedule chain = PruneSchedule.chained(576, 192, inside);
        assertEquals(List.of(576, 192, 168, 120, 24), chain.stageTokenCounts());
        long expected = 7 * byHand(192) + 2 * byHand(168) + 3 * byHand(120) + 20 * byHand(24);
        assertEquals(expected, llava7b.totalFlops(chain));
        assertEquals((7 * 192 + 2 * 168 + 3 * 120 + 20 * 24) / 32.0, llava7b.averageRetainedTokens(chain));
        assertEquals(byHand(576) * 32, llava7b.report(chain, 2).unprunedFlops());
    }
}
