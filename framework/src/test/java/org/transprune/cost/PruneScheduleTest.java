package org.transprune.cost;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class PruneScheduleTest {

    private static String errorOf(Runnable action) {
        return assertThrows(IllegalArgumentException.class, action::run).getMessage();
    }

    @Test
    void transPruneDefaultTruncatesRatiosOfTheOriginalCount() {
        PruneSchedule s = PruneSchedule.ofOriginalRatios(576, List.of(7, 9, 12), List.of(0.875, 0.625, 0.125));
        assertEquals(List.of(576, 504, 360, 72), s.stageTokenCounts());
        assertEquals("after [7, 9, 12]: 576 -> 504 -> 360 -> 72", s.describe());
    }

    @Test
    void truncationNotRounding() {
        // 100 * 0.29 is 28.999999999999996 in doubles; int() in the reference gives 28, so must we.
        PruneSchedule s = PruneSchedule.ofOriginalRatios(100, List.of(2), List.of(0.29));
        assertEquals(28, s.stages().get(0).keep());
        // 577 * 0.5 = 288.5 -> 288, not 289.
        assertEquals(
                288,
                PruneSchedule.ofOriginalRatios(577, List.of(2), List.of(0.5))
                        .stages()
                        .get(0)
                        .keep());
    }

    @Test
    void layersSeeTheCountOfTheStageBeforeThem() {
        PruneSchedule s = PruneSchedule.ofOriginalRatios(576, List.of(7, 9, 12), List.of(0.875, 0.625, 0.125));
        int[] expected = new int[32];
        for (int l = 1; l <= 32; l++) {
            expected[l - 1] = l <= 7 ? 576 : l <= 9 ? 504 : l <= 12 ? 360 : 72;
        }
        assertArrayEquals(expected, s.tokensPerLayer(32));
        assertEquals(576, s.tokensAtLayer(7));
        assertEquals(504, s.tokensAtLayer(8));
        assertEquals(72, s.tokensAtLayer(13));
    }

    @Test
    void pyramidDropHalvesWhatRemains() {
        PruneSchedule s = PruneSchedule.ofRemainingFractions(576, List.of(8, 16, 24), List.of(0.5, 0.5, 0.5));
        assertEquals(List.of(576, 288, 144, 72), s.stageTokenCounts());
        // Equal fractions are fine here: each is relative to what is left, not to N.
        assertEquals(
                List.of(575, 287, 143),
                PruneSchedule.ofRemainingFractions(575, List.of(1, 2), List.of(0.5, 0.5))
                        .stageTokenCounts());
    }

    @Test
    void fastVKeepsHalfAfterLayerTwo() {
        PruneSchedule s = PruneSchedule.ofOriginalRatios(576, List.of(2), List.of(0.5));
        assertEquals(576, s.tokensAtLayer(2));
        assertEquals(288, s.tokensAtLayer(3));
        assertEquals(288, s.tokensAtLayer(32));
    }

    @Test
    void unprunedHasNoStages() {
        PruneSchedule s = PruneSchedule.unpruned(576);
        assertTrue(s.isUnpruned());
        assertEquals("unpruned: 576", s.describe());
        assertEquals(576, s.tokensAtLayer(32));
    }

    @Test
    void ratiosThatDoNotDecreaseAreRejected() {
        String msg = errorOf(() -> PruneSchedule.ofOriginalRatios(576, List.of(7, 9), List.of(0.5, 0.5)));
        assertTrue(msg.contains("strictly decreasing"), msg);
        msg = errorOf(() -> PruneSchedule.ofOriginalRatios(576, List.of(7, 9), List.of(0.25, 0.5)));
        assertTrue(msg.contains("strictly decreasing") && msg.contains("0.5 after 0.25"), msg);
    }

    @Test
    void ratiosOutsideTheUnitIntervalAreRejected() {
        for (double bad : new double[] {0.0, -0.1, 1.5, Double.NaN}) {
            String msg = errorOf(() -> PruneSchedule.ofOriginalRatios(576, List.of(7), List.of(bad)));
            assertTrue(msg.contains("outside (0, 1]"), msg);
            msg = errorOf(() -> PruneSchedule.ofRemainingFractions(576, List.of(7), List.of(bad)));
            assertTrue(msg.contains("outside (0, 1]"), msg);
        }
        assertEquals(
                576,
                PruneSchedule.ofOriginalRatios(576, List.of(7), List.of(1.0))
                        .stages()
                        .get(0)
                        .keep());
    }

    @Test
    void layersBeyondTheDepthAreRejected() {
        PruneSchedule s = PruneSchedule.ofOriginalRatios(576, List.of(7, 40), List.of(0.5, 0.25));
        String msg = errorOf(() -> s.requireWithinDepth(32));
        assertTrue(msg.contains("after layer 40") && msg.contains("32 layers") && msg.contains("1..31"), msg);
        // Pruning after the last layer would leave no layer to see the kept tokens.
        PruneSchedule last = PruneSchedule.ofOriginalRatios(576, List.of(32), List.of(0.5));
        assertThrows(IllegalArgumentException.class, () -> last.requireWithinDepth(32));
        PruneSchedule.ofOriginalRatios(576, List.of(31), List.of(0.5)).requireWithinDepth(32);
    }

    @Test
    void malformedSchedulesAreRejected() {
        assertTrue(errorOf(() -> PruneSchedule.ofOriginalRatios(576, List.of(9, 7), List.of(0.5, 0.25)))
                .contains("strictly increasing"));
        assertTrue(errorOf(() -> PruneSchedule.ofOriginalRatios(576, List.of(0), List.of(0.5)))
                .contains("numbered from 1"));
        assertTrue(errorOf(() -> PruneSchedule.ofOriginalRatios(576, List.of(7, 9), List.of(0.5)))
                .contains("2 pruning layers but 1 keep ratios"));
        assertTrue(errorOf(() -> PruneSchedule.unpruned(0)).contains("positive"));
        assertTrue(errorOf(() -> new PruneSchedule(576, List.of(new PruneSchedule.Stage(3, 600))))
                .contains("only 576 reach it"));
    }

    @Test
    void aProjectorStageComesFirstAfterLayerZero() {
        PruneSchedule s =
                new PruneSchedule(576, List.of(new PruneSchedule.Stage(0, 192), new PruneSchedule.Stage(2, 96)));
        assertEquals(192, s.tokensAtLayer(1));
        assertEquals(192, s.tokensAtLayer(2));
        assertEquals(96, s.tokensAtLayer(3));
        assertEquals(192, s.enteringTokens());
        assertEquals(new PruneSchedule.Stage(0, 192), s.projectorStage().orElseThrow());
        assertEquals("after [0, 2]: 576 -> 192 -> 96", s.describe());
        assertEquals(new PruneSchedule(192, List.of(new PruneSchedule.Stage(2, 96))), s.insideDecoder());
        s.requireWithinDepth(3);
        assertEquals(576, PruneSchedule.unpruned(576).enteringTokens());
        assertTrue(PruneSchedule.unpruned(576).projectorStage().isEmpty());
        // Layer 0 only once and first; never negative; the ratio forms still start at layer 1.
        assertTrue(errorOf(() -> new PruneSchedule(
                        576, List.of(new PruneSchedule.Stage(0, 192), new PruneSchedule.Stage(0, 96))))
                .contains("strictly increasing"));
        assertTrue(errorOf(() -> new PruneSchedule(576, List.of(new PruneSchedule.Stage(-1, 192))))
                .contains("numbered from 1"));
        assertTrue(errorOf(() -> PruneSchedule.ofRemainingFractions(576, List.of(0), List.of(0.5)))
                .contains("numbered from 1"));
        assertTrue(errorOf(() -> PruneSchedule.chained(576, 192, PruneSchedule.unpruned(144)))
                .contains("144 tokens, but 192 enter"));
        assertTrue(errorOf(() -> PruneSchedule.chained(576, 192, s)).contains("is for 576"));
    }
}
