package org.transprune.strategies;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.transprune.prune.ProjectorDecision;

/**
 * The selections of the projector-stage strategies against cases worked out by hand and against
 * plain-Java references written here from the papers' definitions.
 */
class ProjectorStrategiesTest {

    @Test
    void fasterVlmKeepsTheHighestClsAttentionInPatchOrder() {
        float[] attention = {0.10f, 0.40f, 0.20f, 0.30f, 0.05f};
        assertArrayEquals(new int[] {1, 3}, FasterVlmProvider.FasterVlm.select(attention, 2));
        assertArrayEquals(new int[] {1, 2, 3}, FasterVlmProvider.FasterVlm.select(attention, 3));
    }

    @Test
    void visionZipSplitsItsBudgetAsTheAuthorsDo() {
        // The authors' LLaVA-1.5 settings: 54+10, 108+20, 162+30 (dominant counts include the CLS token).
        assertEquals(10, VisionZipProvider.VisionZip.contextualOf(64, -1));
        assertEquals(20, VisionZipProvider.VisionZip.contextualOf(128, -1));
        assertEquals(30, VisionZipProvider.VisionZip.contextualOf(192, -1));
        // Scaled to the micro model's 144 tokens: 16 -> 2.5 -> 2 (half to even), 32 -> 5, 48 -> 7.5 -> 8.
        assertEquals(2, VisionZipProvider.VisionZip.contextualOf(16, -1));
        assertEquals(5, VisionZipProvider.VisionZip.contextualOf(32, -1));
        assertEquals(8, VisionZipProvider.VisionZip.contextualOf(48, -1));
        assertEquals(3, VisionZipProvider.VisionZip.contextualOf(16, 3));
    }

    /**
     * Eight patches, five tokens, two of them contextual, CLS among the dominant ones: CLS + the two
     * patches of highest attention (5 and 2); the six others (0, 1, 3, 4, 6, 7) get targets every
     * 6 / 2 = 3rd one from the first, i.e. patches 0 and 4; each other one goes to the target whose key
     * points the most its way.
     */
    @Test
    void visionZipByHand() {
        float[] attention = {0.05f, 0.10f, 0.30f, 0.02f, 0.01f, 0.40f, 0.07f, 0.05f};
        float[] keys = {
            1,
            0, // 0: target A
            0.9f,
            0.1f, // 1: towards A
            5,
            5, // 2: dominant
            -0.2f,
            1, // 3: towards B
            0,
            1, // 4: target B
            3,
            3, // 5: dominant
            1,
            0.2f, // 6: towards A
            0.1f,
            0.9f // 7: towards B
        };
        ProjectorDecision d = VisionZipProvider.VisionZip.decide(attention, keys, 8, 5, 2, true);
        assertTrue(d.leadingCls());
        assertArrayEquals(new int[] {2, 5}, d.kept());
        assertEquals(2, d.merged().size());
        assertEquals(0, d.merged().get(0).anchor());
        assertArrayEquals(new int[] {1, 6}, d.merged().get(0).absorbed());
        assertEquals(4, d.merged().get(1).anchor());
        assertArrayEquals(new int[] {3, 7}, d.merged().get(1).absorbed());
        assertEquals(5, d.tokens());
        d.validate("visionzip", 8, 5);
        // Without CLS, the third-highest attention (patch 1, 0.10) is dominant too.
        ProjectorDecision noCls = VisionZipProvider.VisionZip.decide(attention, keys, 8, 5, 2, false);
        assertFalse(noCls.leadingCls());
        assertArrayEquals(new int[] {1, 2, 5}, noCls.kept());
        // Remaining 0, 3, 4, 6, 7: step 5 / 2 = 2, targets 0 and 4; 3 and 7 lean towards 4, 6 towards 0.
        assertEquals(0, noCls.merged().get(0).anchor());
        assertArrayEquals(new int[] {6}, noCls.merged().get(0).absorbed());
        assertEquals(4, noCls.merged().get(1).anchor());
        assertArrayEquals(new int[] {3, 7}, noCls.merged().get(1).absorbed());
    }

    /**
     * Four unit vectors at 0, 10, 90 and 180 degrees. The second-smallest distance of each column (its
     * nearest other vector): 1 - cos 10 for the first two, 1 - cos 80 for the third, 1 for the last:
     * the last is picked first. Then distances to it: 2, 1.985, 1 -> vector 0. Then min over {3, 0}:
     * vector 1 at 0.015, vector 2 at 1 -> vector 2.
     */
    @Test
    void divPruneByHand() {
        double[] angles = {0, 10, 90, 180};
        int n = angles.length;
        float[] distance = new float[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                distance[i * n + j] = (float) (1 - Math.cos(Math.toRadians(angles[i] - angles[j])));
            }
        }
        assertArrayEquals(new int[] {3, 0, 2}, DivPruneProvider.DivPrune.pickOrder(distance, n, 3));
        assertArrayEquals(new int[] {3, 0, 2, 1}, DivPruneProvider.DivPrune.pickOrder(distance, n, 4));
    }

    @Test
    void divPruneMatchesAPlainMaxMinReference() {
        Random rnd = new Random(3);
        for (int trial = 0; trial < 20; trial++) {
            int n = 12 + rnd.nextInt(20);
            int dim = 3 + rnd.nextInt(6);
            double[][] x = randomRows(rnd, n, dim);
            float[] distance = new float[n * n];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    distance[i * n + j] = (float) (1 - cosine(x[i], x[j]));
                }
            }
            int k = 1 + rnd.nextInt(n - 1);
            assertArrayEquals(referenceMaxMin(distance, n, k), DivPruneProvider.DivPrune.pickOrder(distance, n, k));
        }
    }

    /** Max-min diversity: start with the point farthest from its nearest neighbour, then farthest from the set. */
    private static int[] referenceMaxMin(float[] distance, int n, int k) {
        List<Integer> picked = new ArrayList<>();
        while (picked.size() < k) {
            int best = -1;
            float bestValue = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < n; j++) {
                if (picked.contains(j)) {
                    continue;
                }
                float value = Float.POSITIVE_INFINITY;
                if (picked.isEmpty()) {
                    for (int i = 0; i < n; i++) {
                        if (i != j) {
                            value = Math.min(value, distance[i * n + j]);
                        }
                    }
                } else {
                    for (int i : picked) {
                        value = Math.min(value, distance[i * n + j]);
                    }
                }
                if (value > bestValue) {
                    bestValue = value;
                    best = j;
                }
            }
            picked.add(best);
        }
        return picked.stream().mapToInt(Integer::intValue).toArray();
    }

    @Test
    void cdPrunerRelevanceIsTheAuthorsMinMaxOfTheNegatedMeanCosine() {
        // 3 image tokens x 2 instruction tokens; means 0.5, 0.0, -0.5; negated 0.5 -> scaled (r - min + 1e-6) / 1.
        float[] cross = {0.6f, 0.4f, 0.1f, -0.1f, -0.4f, -0.6f};
        float[] r = CdPrunerProvider.CdPruner.relevance(cross, 3, 2, true);
        assertEquals(1e-6, r[0], 1e-6);
        assertEquals(0.5 + 1e-6, r[1], 1e-6);
        assertEquals(1 + 1e-6, r[2], 1e-6);
        float[] direct = CdPrunerProvider.CdPruner.relevance(cross, 3, 2, false);
        assertEquals(1 + 1e-6, direct[0], 1e-6);
        assertEquals(1e-6, direct[2], 1e-6);
        assertArrayEquals(new float[] {1, 1, 1}, CdPrunerProvider.CdPruner.relevance(new float[0], 3, 0, true));
    }

    /**
     * The greedy MAP of a DPP picks, at each step, the item that maximises the determinant of the kernel
     * restricted to the chosen set; the reference here computes those determinants directly.
     */
    @Test
    void cdPrunerGreedyMapMatchesDeterminantMaximisation() {
        Random rnd = new Random(11);
        for (int trial = 0; trial < 20; trial++) {
            int n = 6 + rnd.nextInt(14);
            int dim = n + 2; // full-rank kernels: every determinant positive
            double[][] x = randomRows(rnd, n, dim);
            float[] similarity = new float[n * n];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    similarity[i * n + j] = (float) cosine(x[i], x[j]);
                }
            }
            float[] relevance = new float[n];
            for (int i = 0; i < n; i++) {
                relevance[i] = 0.1f + rnd.nextFloat();
            }
            double[] kernel = CdPrunerProvider.CdPruner.kernel(similarity, relevance, n);
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    assertEquals(
                            (double) relevance[i] * similarity[i * n + j] * relevance[j], kernel[i * n + j], 1e-12);
                }
            }
            int k = 1 + rnd.nextInt(n / 2);
            assertArrayEquals(
                    referenceGreedyDeterminant(kernel, n, k), CdPrunerProvider.CdPruner.greedyMap(kernel, n, k));
        }
    }

    /** Hand case: the first pick is the largest diagonal entry (relevance squared). */
    @Test
    void cdPrunerFirstPicksTheMostRelevantThenTheLeastSimilar() {
        // Tokens 0 and 1 identical, token 2 orthogonal; relevance 1.0, 0.9, 0.5.
        float[] s = {1, 1, 0, 1, 1, 0, 0, 0, 1};
        float[] r = {1.0f, 0.9f, 0.5f};
        double[] l = CdPrunerProvider.CdPruner.kernel(s, r, 3);
        // Step 1: diagonal 1, 0.81, 0.25 -> 0. Step 2: token 1's gain is 0.81 - 0.81 = 0, token 2's 0.25 -> 2.
        assertArrayEquals(new int[] {0, 2}, CdPrunerProvider.CdPruner.greedyMap(l, 3, 2));
    }

    private static int[] referenceGreedyDeterminant(double[] kernel, int n, int k) {
        List<Integer> chosen = new ArrayList<>();
        for (int step = 0; step < k; step++) {
            int best = -1;
            double bestDet = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < n; j++) {
                if (chosen.contains(j)) {
                    continue;
                }
                List<Integer> set = new ArrayList<>(chosen);
                set.add(j);
                double det = determinant(kernel, n, set);
                if (best < 0 || det > bestDet) {
                    bestDet = det;
                    best = j;
                }
            }
            chosen.add(best);
        }
        return chosen.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Determinant of the kernel restricted to {@code set}, by Gaussian elimination with partial pivoting. */
    private static double determinant(double[] kernel, int n, List<Integer> set) {
        int m = set.size();
        double[][] a = new double[m][m];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < m; j++) {
                a[i][j] = kernel[set.get(i) * n + set.get(j)];
            }
        }
        double det = 1;
        for (int c = 0; c < m; c++) {
            int p = c;
            for (int r = c + 1; r < m; r++) {
                if (Math.abs(a[r][c]) > Math.abs(a[p][c])) {
                    p = r;
                }
            }
            if (p != c) {
                double[] t = a[p];
                a[p] = a[c];
                a[c] = t;
                det = -det;
            }
            det *= a[c][c];
            for (int r = c + 1; r < m; r++) {
                double f = a[r][c] / a[c][c];
                for (int j = c; j < m; j++) {
                    a[r][j] -= f * a[c][j];
                }
            }
        }
        return det;
    }

    private static double[][] randomRows(Random rnd, int n, int dim) {
        double[][] x = new double[n][dim];
        for (double[] row : x) {
            for (int j = 0; j < dim; j++) {
                row[j] = rnd.nextGaussian();
            }
        }
        return x;
    }

    private static double cosine(double[] a, double[] b) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += a[i] * b[i];
            na += a[i] * a[i];
            nb += b[i] * b[i];
        }
        return dot / Math.sqrt(na * nb);
    }

    @Test
    void decisionsListTheirTokensInOrderWithWhatEachCovers() {
        ProjectorDecision d = new ProjectorDecision(
                new int[] {2, 5},
                List.of(new ProjectorDecision.MergedToken(4, new int[] {7, 3})),
                true,
                java.util.Map.of());
        int[][] coverage = d.coverage();
        assertEquals(4, coverage.length);
        assertArrayEquals(new int[0], coverage[0]);
        assertArrayEquals(new int[] {2}, coverage[1]);
        assertArrayEquals(new int[] {5}, coverage[2]);
        assertArrayEquals(new int[] {3, 4, 7}, coverage[3]);
        assertTrue(Arrays.deepToString(coverage).contains("[3, 4, 7]"));
    }
}
