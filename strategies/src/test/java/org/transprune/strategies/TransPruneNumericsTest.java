package org.transprune.strategies;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.transprune.cost.PruneSchedule;
import org.transprune.model.SubLayer;
import org.transprune.model.TokenLayout;
import org.transprune.prune.LayerSignals;
import org.transprune.prune.PruningStrategy;
import org.transprune.prune.RequestScorer;
import org.transprune.prune.Strategies;

/**
 * TTV and IGA on hand-made states against the formulas of docs/method.md (#ttv, #iga, #combination), computed here in
 * double precision with plain loops.
 */
class TransPruneNumericsTest {
    private static final int HIDDEN = 5;
    private NDManager manager;

    @BeforeEach
    void open() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void close() {
        manager.close();
    }

    /** Sequence [2 text][4 image][2 instruction]. */
    private static final TokenLayout LAYOUT = TokenLayout.initial(8, 2, 4);

    @Test
    void ttvSoftmaxRunsOverAllTokensAndSumsBothSubLayers() {
        float[][] b1 = random(8, 1);
        float[][] a1 = random(8, 2);
        float[][] b2 = random(8, 3);
        float[][] a2 = random(8, 4);
        // Text tokens whose FFN reverses direction dominate that softmax's denominator: an
        // image-only softmax would weigh the two sub-layers differently.
        for (int t : new int[] {0, 1, 6, 7}) {
            for (int j = 0; j < HIDDEN; j++) {
                a2[t][j] = -3 * b2[t][j];
            }
        }
        RequestScorer scorer =
                create("ttv", Map.of("layers", List.of(1), "ratios", List.of(0.5), "window", List.of(1, 1)));
        scorer.onTransition(1, SubLayer.ATTENTION, nd(b1), nd(a1), LAYOUT);
        scorer.onTransition(1, SubLayer.FFN, nd(b2), nd(a2), LAYOUT);
        int[] kept = scorer.select(1, 2, LAYOUT);

        double[] layer = add(imagePart(ttv(b1, a1, false, 0, 8)), imagePart(ttv(b2, a2, false, 0, 8)));
        double[] expected = normalise(layer);
        assertClose(expected, scorer.lastScores().get("ttv"));
        assertClose(expected, scorer.lastScores().get("score"));
        assertNull(scorer.lastScores().get("iga"), "TTV-only computes no IGA");
        assertArrayEquals(topK(expected, 2), kept);

        double[] imageOnlySoftmax = normalise(add(ttv(b1, a1, false, 2, 6), ttv(b2, a2, false, 2, 6)));
        assertTrue(maxDifference(expected, imageOnlySoftmax) > 1e-3, "the test must tell the two softmaxes apart");
    }

    @Test
    void absCosineTreatsAReversedTokenAsUnchangedInDirection() {
        float[][] before = random(8, 5);
        float[][] after = random(8, 6);
        for (int j = 0; j < HIDDEN; j++) {
            after[3][j] = -2 * before[3][j] + 0.01f * after[3][j];
        }
        float[] signed = ttvScores("signed", before, after);
        float[] abs = ttvScores("abs", before, after);
        double[] expectedSigned = normalise(imagePart(ttv(before, after, false, 0, 8)));
        double[] expectedAbs = normalise(imagePart(ttv(before, after, true, 0, 8)));
        assertClose(expectedSigned, signed);
        assertClose(expectedAbs, abs);
        // Token 3 is image index 1: direction change ~2 when signed, ~0 with |cos|.
        assertTrue(signed[1] > abs[1], Arrays.toString(signed) + " vs " + Arrays.toString(abs));
    }

    @Test
    void windowAccumulationReindexingAndIgaAcrossTwoStages() {
        double alpha = 0.3;
        RequestScorer scorer = create(
                "transprune",
                Map.of("layers", List.of(2, 3), "ratios", List.of(0.75, 0.5), "window", List.of(2, 3), "alpha", alpha));
        // Layer 1 is outside the window: a scorer that accumulated it would disagree below.
        scorer.onTransition(1, SubLayer.ATTENTION, nd(random(8, 10)), nd(random(8, 11)), LAYOUT);
        float[][] b2a = random(8, 12);
        float[][] a2a = random(8, 13);
        float[][] b2f = random(8, 14);
        float[][] a2f = random(8, 15);
        scorer.onTransition(2, SubLayer.ATTENTION, nd(b2a), nd(a2a), LAYOUT);
        scorer.onTransition(2, SubLayer.FFN, nd(b2f), nd(a2f), LAYOUT);
        float[][] rows3 = {
            {0.1f, 0.1f, 0.05f, 0.3f, 0.15f, 0.1f, 0.2f, 0f},
            {0.05f, 0.05f, 0.2f, 0.1f, 0.05f, 0.25f, 0.1f, 0.2f},
        };
        scorer.onAttention(3, new int[] {6, 7}, nd(rows3), LAYOUT);
        int[] kept1 = scorer.select(2, 3, LAYOUT);

        double[] rawTtv2 = add(imagePart(ttv(b2a, a2a, false, 0, 8)), imagePart(ttv(b2f, a2f, false, 0, 8)));
        double[] ttv1 = normalise(rawTtv2);
        double[] iga1 = normalise(meanImageColumns(rows3, 2, 4));
        double[] score1 = combine(alpha, ttv1, iga1);
        assertClose(ttv1, scorer.lastScores().get("ttv"));
        assertClose(iga1, scorer.lastScores().get("iga"));
        assertClose(score1, scorer.lastScores().get("score"));
        assertArrayEquals(topK(score1, 3), kept1);

        TokenLayout layout2 = LAYOUT.keep(kept1);
        assertEquals(7, layout2.length());
        float[][] b3a = random(7, 16);
        float[][] a3a = random(7, 17);
        float[][] b3f = random(7, 18);
        float[][] a3f = random(7, 19);
        scorer.onTransition(3, SubLayer.ATTENTION, nd(b3a), nd(a3a), layout2);
        scorer.onTransition(3, SubLayer.FFN, nd(b3f), nd(a3f), layout2);
        float[][] rows4 = {
            {0.2f, 0.1f, 0.3f, 0.05f, 0.15f, 0.2f, 0f},
            {0.1f, 0.1f, 0.1f, 0.2f, 0.3f, 0.1f, 0.1f},
        };
        scorer.onAttention(4, new int[] {5, 6}, nd(rows4), layout2);
        int[] kept2 = scorer.select(3, 2, layout2);

        double[] carried = new double[3];
        for (int i = 0; i < 3; i++) {
            carried[i] = rawTtv2[kept1[i]];
        }
        double[] layer3 = add(ttv(b3a, a3a, false, 0, 7), ttv(b3f, a3f, false, 0, 7));
        double[] ttv2 = normalise(add(carried, Arrays.copyOfRange(layer3, 2, 5)));
        double[] iga2 = normalise(meanImageColumns(rows4, 2, 3));
        double[] score2 = combine(alpha, ttv2, iga2);
        assertClose(ttv2, scorer.lastScores().get("ttv"));
        assertClose(iga2, scorer.lastScores().get("iga"));
        assertClose(score2, scorer.lastScores().get("score"));
        assertArrayEquals(topK(score2, 2), kept2);
    }

    @Test
    void signalsFollowTheWindowAndTheNextLayerOfEachPrune() {
        Map<String, Object> p = Map.of("layers", List.of(3), "ratios", List.of(0.5), "window", List.of(2, 5));
        PruningStrategy both = Strategies.create("transprune", p);
        PruneSchedule s = both.schedule(4, 6);
        assertEquals(LayerSignals.NONE, both.signals(1, s));
        assertEquals(LayerSignals.TRANSITIONS, both.signals(2, s));
        assertEquals(LayerSignals.TRANSITIONS, both.signals(3, s));
        // Layer 4: IGA with its projections; window layers 4-5 come after the last prune, so unobserved.
        assertEquals(LayerSignals.attention(QueryRows.INSTRUCTION_OR_LAST), both.signals(4, s));
        assertEquals(LayerSignals.NONE, both.signals(5, s));
        PruningStrategy ttvOnly = Strategies.create("ttv", p);
        assertEquals(LayerSignals.NONE, ttvOnly.signals(4, s));
        PruningStrategy igaOnly = Strategies.create("iga", Map.of("layers", List.of(3), "ratios", List.of(0.5)));
        assertEquals(LayerSignals.NONE, igaOnly.signals(3, s));
        assertEquals(LayerSignals.attention(QueryRows.INSTRUCTION_OR_LAST), igaOnly.signals(4, s));
    }

    @Test
    void instructionQueriesFallBackToTheLastTokenWithoutText() {
        assertArrayEquals(new int[] {6, 7}, QueryRows.INSTRUCTION_OR_LAST.select(LAYOUT));
        assertArrayEquals(new int[] {5}, QueryRows.INSTRUCTION_OR_LAST.select(TokenLayout.initial(6, 2, 4)));
    }

    @Test
    void sparseVlmRatersAreTheInstructionTokensAboveTheMeanImageMass() {
        RequestScorer scorer = Strategies.create("sparsevlm", Map.of()).newRequest(0);
        float[][] rows = {
            {0.05f, 0.05f, 0.4f, 0.1f, 0.3f, 0.1f, 0f, 0f}, // image mass 0.9: a rater
            {0.5f, 0.3f, 0.02f, 0.03f, 0.03f, 0.02f, 0.1f, 0f}, // 0.1
            {0.2f, 0.2f, 0.1f, 0.1f, 0.2f, 0.1f, 0.05f, 0.05f}, // 0.5: at the mean, not above
        };
        scorer.onAttention(3, new int[] {5, 6, 7}, nd(rows), LAYOUT);
        int[] kept = scorer.select(3, 2, LAYOUT);
        assertClose(new double[] {0.4, 0.1, 0.3, 0.1}, scorer.lastScores().get("score"));
        assertArrayEquals(new int[] {0, 2}, kept);
    }

    @Test
    void fastVAndPyramidDropRankByTheAttentionOfTheirLayer() {
        float[][] rows = {{0.1f, 0.1f, 0.2f, 0.05f, 0.3f, 0.05f, 0.1f, 0.1f}};
        RequestScorer fastv = Strategies.create("fastv", Map.of()).newRequest(0);
        fastv.onAttention(2, new int[] {7}, nd(rows), LAYOUT);
        assertArrayEquals(new int[] {0, 2}, fastv.select(2, 2, LAYOUT));
        RequestScorer pdrop = Strategies.create("pdrop", Map.of()).newRequest(0);
        pdrop.onAttention(9, new int[] {7}, nd(rows), LAYOUT);
        assertArrayEquals(new int[] {0, 2}, pdrop.select(8, 2, LAYOUT));
    }

    // ---- independent reference computations ------------------------------------------------

    /** TTV (docs/method.md#ttv) over tokens {@code from..to-1} only: ratio * softmax(1 - cos) over that range. */
    private static double[] ttv(float[][] before, float[][] after, boolean abs, int from, int to) {
        int n = to - from;
        double[] ratio = new double[n];
        double[] e = new double[n];
        double z = 0;
        for (int i = 0; i < n; i++) {
            double dot = 0;
            double bb = 0;
            double aa = 0;
            for (int j = 0; j < HIDDEN; j++) {
                dot += (double) before[from + i][j] * after[from + i][j];
                bb += (double) before[from + i][j] * before[from + i][j];
                aa += (double) after[from + i][j] * after[from + i][j];
            }
            double cos = dot / Math.sqrt(bb) / Math.sqrt(aa);
            ratio[i] = Math.sqrt(aa) / Math.sqrt(bb);
            e[i] = Math.exp(1 - (abs ? Math.abs(cos) : cos));
            z += e[i];
        }
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = ratio[i] * e[i] / z;
        }
        return out;
    }

    private static double[] imagePart(double[] all) {
        return Arrays.copyOfRange(all, LAYOUT.imageStart(), LAYOUT.instructionStart());
    }

    private static double[] meanImageColumns(float[][] rows, int imageStart, int imageLength) {
        double[] m = new double[imageLength];
        for (float[] row : rows) {
            for (int j = 0; j < imageLength; j++) {
                m[j] += row[imageStart + j] / rows.length;
            }
        }
        return m;
    }

    private static double[] normalise(double[] v) {
        double sum = Arrays.stream(v).sum();
        return Arrays.stream(v).map(x -> x / (sum + 1e-8)).toArray();
    }

    private static double[] add(double[] a, double[] b) {
        return IntStream.range(0, a.length).mapToDouble(i -> a[i] + b[i]).toArray();
    }

    private static double[] combine(double alpha, double[] ttv, double[] iga) {
        return IntStream.range(0, ttv.length)
                .mapToDouble(i -> alpha * ttv[i] + (1 - alpha) * iga[i])
                .toArray();
    }

    private static int[] topK(double[] scores, int k) {
        return IntStream.range(0, scores.length)
                .boxed()
                .sorted(Comparator.<Integer>comparingDouble(i -> -scores[i]))
                .limit(k)
                .mapToInt(Integer::intValue)
                .sorted()
                .toArray();
    }

    private static double maxDifference(double[] a, double[] b) {
        return IntStream.range(0, a.length)
                .mapToDouble(i -> Math.abs(a[i] - b[i]))
                .max()
                .orElse(0);
    }

    private static void assertClose(double[] expected, float[] actual) {
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(
                    expected[i],
                    actual[i],
                    1e-5 * Math.max(1, Math.abs(expected[i])),
                    "element " + i + " of " + Arrays.toString(actual));
        }
    }

    // ---- fixtures ---------------------------------------------------------------------------

    private float[] ttvScores(String cosine, float[][] before, float[][] after) {
        RequestScorer scorer = create(
                "ttv", Map.of("layers", List.of(1), "ratios", List.of(0.5), "window", List.of(1, 1), "cosine", cosine));
        scorer.onTransition(1, SubLayer.ATTENTION, nd(before), nd(after), LAYOUT);
        scorer.select(1, 2, LAYOUT);
        return scorer.lastScores().get("ttv");
    }

    private static RequestScorer create(String name, Map<String, Object> parameters) {
        return Strategies.create(name, parameters).newRequest(0);
    }

    private static float[][] random(int rows, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[][] m = new float[rows][HIDDEN];
        for (float[] row : m) {
            for (int j = 0; j < HIDDEN; j++) {
                row[j] = (float) r.nextGaussian();
            }
        }
        return m;
    }

    private NDArray nd(float[][] m) {
        float[] flat = new float[m.length * m[0].length];
        for (int i = 0; i < m.length; i++) {
            System.arraycopy(m[i], 0, flat, i * m[0].length, m[0].length);
        }
        return manager.create(flat, new Shape(m.length, m[0].length));
    }
}
