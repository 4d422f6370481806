package org.transprune.prune;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The image tokens a projector stage lets into the decoder, in this order: the tower's CLS token
 * when {@code leadingCls}, the kept patches in increasing order, then the merged tokens in list order.
 * No patch may be covered twice (kept, anchor or absorbed).
 *
 * @param kept patch numbers (0..N-1) entering as they are, strictly increasing
 * @param merged tokens formed from several patches, by the stage's {@link MergeRule}
 * @param leadingCls whether the tower's CLS feature, projected, enters first (it covers no patch)
 * @param scores per-patch diagnostics ({@code N} values each) for {@code inspect}; may be empty
 */
public record ProjectorDecision(int[] kept, List<MergedToken> merged, boolean leadingCls, Map<String, float[]> scores) {

    /**
     * A token that absorbs patches.
     *
     * @param anchor the patch the token stands at (VisionZip: the target the others merge into)
     * @param absorbed the other patches it absorbs, in any order (may be empty)
     */
    public record MergedToken(int anchor, int[] absorbed) {
        /** Every patch it covers, sorted: the anchor and the absorbed ones. */
        public int[] covered() {
            int[] all = Arrays.copyOf(absorbed, absorbed.length + 1);
            all[absorbed.length] = anchor;
            Arrays.sort(all);
            return all;
        }
    }

    public ProjectorDecision {
        kept = kept.clone();
        merged = List.copyOf(merged);
        scores = Map.copyOf(scores);
    }

    /** Only kept patches: a selection. */
    public static ProjectorDecision keep(int[] kept, Map<String, float[]> scores) {
        return new ProjectorDecision(kept, List.of(), false, scores);
    }

    @Override
    public int[] kept() {
        return kept.clone();
    }

    /** Tokens entering the decoder. */
    public int tokens() {
        return (leadingCls ? 1 : 0) + kept.length + merged.size();
    }

    /** For each entering token, in order, the patches it covers (none for the CLS token). */
    public int[][] coverage() {
        List<int[]> out = new ArrayList<>();
        if (leadingCls) {
            out.add(new int[0]);
        }
        for (int p : kept) {
            out.add(new int[] {p});
        }
        for (MergedToken m : merged) {
            out.add(m.covered());
        }
        return out.toArray(new int[0][]);
    }

    /** For each entering token, in order, the patch it stands at: its own, a merged token's anchor, -1 for CLS. */
    public int[] standsAt() {
        int[] out = new int[tokens()];
        int r = 0;
        if (leadingCls) {
            out[r++] = -1;
        }
        for (int p : kept) {
            out[r++] = p;
        }
        for (MergedToken m : merged) {
            out[r++] = m.anchor();
        }
        return out;
    }

    /**
     * Checks the decision against {@code imageTokens} and the {@code entering} count the schedule promised.
     *
     * @throws IllegalStateException naming the strategy and the problem
     */
    public void validate(String strategy, int imageTokens, int entering) {
        if (tokens() != entering) {
            throw new IllegalStateException("strategy '" + strategy + "' let " + tokens()
                    + " tokens into the decoder; its schedule says " + entering);
        }
        boolean[] seen = new boolean[imageTokens];
        for (int i = 0; i < kept.length; i++) {
            if (i > 0 && kept[i] <= kept[i - 1]) {
                throw new IllegalStateException("strategy '" + strategy + "' kept patches not strictly increasing: "
                        + kept[i] + " after " + kept[i - 1]);
            }
            mark(strategy, kept[i], imageTokens, seen);
        }
        for (MergedToken m : merged) {
            mark(strategy, m.anchor(), imageTokens, seen);
            for (int a : m.absorbed()) {
                mark(strategy, a, imageTokens, seen);
            }
        }
        for (Map.Entry<String, float[]> e : scores.entrySet()) {
            if (e.getValue().length != imageTokens) {
                throw new IllegalStateException("strategy '" + strategy + "' diagnostic '" + e.getKey() + "' has "
                        + e.getValue().length + " values for " + imageTokens + " patches");
            }
        }
    }

    private static void mark(String strategy, int patch, int imageTokens, boolean[] seen) {
        if (patch < 0 || patch >= imageTokens) {
            throw new IllegalStateException(
                    "strategy '" + strategy + "' named patch " + patch + ", outside 0.." + (imageTokens - 1));
        }
        if (seen[patch]) {
            throw new IllegalStateException("strategy '" + strategy + "' covered patch " + patch + " twice");
        }
        seen[patch] = true;
    }
}
