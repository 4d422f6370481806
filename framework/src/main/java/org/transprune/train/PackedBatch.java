package org.transprune.train;

/**
 * One training batch as plain Java arrays, ready to upload: B preprocessed images and, unless the
 * batch trains the tower alone, one packed token sequence per image.
 *
 * <p>A sequence is {@code [prompt prefix][image block][question 1 + answer][question 2 + answer]...[padding]}.
 * Each question segment sees the prefix, the image and its own earlier tokens only, and its
 * positions continue from the image block, so every question is computed exactly as the engine
 * computes a single-question prompt, while prefix and image are computed once per image.
 *
 * @param images B
 * @param pixels {@code [B, 3, S, S]} normalised pixels
 * @param patchTargets {@code [B, patches, auxClasses]} constant weights of the auxiliary loss (one-hot
 *     per label group, scaled so the sum is the weighted mean cross-entropy), or null for none
 * @param length L, tokens per sequence (0 without text)
 * @param imageStart index of the image block (the prefix length)
 * @param imageLength image tokens per sequence
 * @param ids {@code [B * L]} token ids; image positions hold the placeholder (their embeddings are replaced)
 * @param positions {@code [B * L]} position ids
 * @param mask {@code [B * L * L]} additive attention mask (0 or -1e9)
 * @param targetRows flat row indices {@code b * L + r} whose next token is a target
 * @param targetIds the target token of each target row
 * @param targetWeights {@code [targets, vocab]} one-hot / targets: the weights of the mean cross-entropy
 * @param answerTarget for each target, whether it is the first token of an answer (scored for accuracy)
 * @param targetType for each target, the question type's ordinal
 * @param attentionLayer decoder layer (0-based) whose attention is supervised, or -1 for none
 * @param attentionRows flat indices {@code (b * heads + head) * L + r} of the supervised attention rows
 * @param attentionWeights {@code [rows, L]} target distribution x weight / rows of each supervised row
 * @param probeRows flat row indices {@code b * L + r} of the nouns the {@link NounProbe} reads, or null for none
 * @param probeWeights {@code [probe rows, probe classes]} one-hot per softmax group x weight / probe rows
 * @param routeLayer decoder layer (0-based) whose answer-row attention is supervised and whose output
 *     the answer probe reads, or -1 for neither
 * @param routeRows flat indices {@code (b * heads + head) * L + r} of the supervised answer rows
 * @param routeWeights {@code [rows, L]} target distribution over noun tokens x weight / rows
 * @param anchorTargets {@code [B, patches, 2]} weights of the tower's anchor head (patch holds an
 *     object's box centre or not), or null for none
 * @param answerProbeRows flat row indices {@code b * L + r} of the answer rows the answer probe reads
 *     (at {@code routeLayer}), or null for none
 * @param answerProbeWeights {@code [rows, answer probe classes]} one-hot per group x weight / rows
 */
public record PackedBatch(
        int images,
        float[] pixels,
        float[] patchTargets,
        int length,
        int imageStart,
        int imageLength,
        long[] ids,
        int[] positions,
        float[] mask,
        long[] targetRows,
        int[] targetIds,
        float[] targetWeights,
        boolean[] answerTarget,
        int[] targetType,
        int attentionLayer,
        long[] attentionRows,
        float[] attentionWeights,
        long[] probeRows,
        float[] probeWeights,
        int routeLayer,
        long[] routeRows,
        float[] routeWeights,
        float[] anchorTargets,
        long[] answerProbeRows,
        float[] answerProbeWeights) {

    /** Whether the batch has token sequences (stage B) or only images (stage A). */
    public boolean hasText() {
        return length > 0;
    }

    public int targetCount() {
        return targetRows == null ? 0 : targetRows.length;
    }

    /** Number of answered questions in the batch. */
    public int questions() {
        int n = 0;
        if (answerTarget != null) {
            for (boolean a : answerTarget) {
                n += a ? 1 : 0;
            }
        }
        return n;
    }
}
