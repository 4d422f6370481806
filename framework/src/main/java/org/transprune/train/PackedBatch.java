package org.transprune.train;

/**
 * One training batch as plain Java arrays, ready to upload: B preprocessed images and, unless the
 * batch trains the tower alone, one packed token sequence per image, with the training-only
 * supervision of decoder rows (each part null when the batch has none).
 *
 * <p>A sequence is {@code [prompt prefix][image block][question 1 + answer][question 2 + answer]...[padding]}.
 * Each question segment sees the prefix, the image and its own earlier tokens only, and its
 * positions continue from the image block, so every question is computed exactly as the engine
 * computes a single-question prompt, while prefix and image are computed once per image.
 *
 * @param images the images and the tower's targets
 * @param text the token sequences and answer targets, or null (stage A trains the tower alone)
 * @param attention supervised attention of object nouns (see {@link TrainingRecipe.Phase#attention()}),
 *     rows {@code (b * heads + head) * L + r}, weights {@code [rows, L]}
 * @param nounProbe rows {@code b * L + r} of the nouns the {@link NounProbe} reads at the output of
 *     its layer, weights {@code [rows, probe classes]} one-hot per softmax group x weight / rows
 * @param route supervised attention of answer rows (see {@link TrainingRecipe.Phase#route()}),
 *     rows {@code (b * heads + head) * L + r}, weights {@code [rows, L]} over noun tokens
 * @param answerProbe answer rows {@code b * L + r} the answer probe reads at the output of its layer,
 *     weights {@code [rows, answer probe classes]} one-hot per group x weight / rows
 */
public record PackedBatch(Images images, Sequences text, Rows attention, Rows nounProbe, Rows route, Rows answerProbe) {

    /**
     * B images and what the tower's training-only heads are trained on.
     *
     * @param count B
     * @param pixels {@code [B, 3, S, S]} normalised pixels
     * @param patchTargets {@code [B, patches, patch classes]} constant weights of the patch head's loss
     *     (one-hot per label group, scaled so the sum is the weighted mean cross-entropy), or null for none
     * @param anchorTargets {@code [B, patches, 2]} weights of the anchor head (patch holds an object's
     *     box centre or not), or null for none
     * @param views views per image: 1 for LLaVA-1.5; for AnyRes the base view then the tiles, so
     *     {@code pixels} is {@code [B * views, 3, S, S]} and the tower heads read the base views only
     * @param arrangement for AnyRes, {@code [B * N]} flat indices into the projected features laid out
     *     as {@code [B, views * patches + 1, hidden]} (the last row of each image is {@code image_newline}):
     *     the image block of each image in order (base features, then each kept grid row and its
     *     newline, as {@code model.AnyResEncoder} lays them out); null for a single view
     */
    public record Images(
            int count, float[] pixels, float[] patchTargets, float[] anchorTargets, int views, long[] arrangement) {
        /** B single-view images. */
        public Images(int count, float[] pixels, float[] patchTargets, float[] anchorTargets) {
            this(count, pixels, patchTargets, anchorTargets, 1, null);
        }

        /** Image tokens per image: the tower's patches for a single view, N of the AnyRes plan otherwise. */
        public int tokens(int patches) {
            return arrangement == null ? patches : arrangement.length / count;
        }
    }

    /**
     * The packed token sequences, one per image.
     *
     * @param length L, tokens per sequence
     * @param imageStart index of the image block (the prefix length)
     * @param imageLength image tokens per sequence
     * @param ids {@code [B * L]} token ids; image positions hold the placeholder (their embeddings are replaced)
     * @param positions {@code [B * L]} position ids
     * @param mask {@code [B * L * L]} additive attention mask (0 or -1e9)
     * @param targets the scored next tokens
     */
    public record Sequences(
            int length, int imageStart, int imageLength, long[] ids, int[] positions, float[] mask, Targets targets) {}

    /**
     * The rows whose next token is a target.
     *
     * @param rows flat row indices {@code b * L + r}
     * @param ids the target token of each row
     * @param weights {@code [targets, vocab]} one-hot / targets: the weights of the mean cross-entropy
     * @param answer for each target, whether it is the first token of an answer (scored for accuracy)
     * @param type for each target, the question type's ordinal ({@link BatchBuilder#CAPTION_TYPE} for captions)
     */
    public record Targets(long[] rows, int[] ids, float[] weights, boolean[] answer, int[] type) {}

    /**
     * Supervised rows of one decoder layer.
     *
     * @param layer the 0-based decoder layer
     * @param rows flat row indices (see the batch's components for their layout)
     * @param weights the target weights of each row, row-major
     */
    public record Rows(int layer, long[] rows, float[] weights) {
        /** Rows at {@code layer}, or null when there is none (null {@code rows}). */
        static Rows of(int layer, long[] rows, float[] weights) {
            return rows == null ? null : new Rows(layer, rows, weights);
        }
    }

    /** A batch that trains the tower alone. */
    static PackedBatch towerOnly(Images images) {
        return new PackedBatch(images, null, null, null, null, null);
    }

    /** B. */
    public int imageCount() {
        return images.count();
    }

    /** Whether the batch has token sequences (stage B) or only images (stage A). */
    public boolean hasText() {
        return text != null;
    }

    public int targetCount() {
        return text == null ? 0 : text.targets().rows().length;
    }

    /** Number of answered questions in the batch. */
    public int questions() {
        int n = 0;
        if (text != null) {
            for (boolean a : text.targets().answer()) {
                n += a ? 1 : 0;
            }
        }
        return n;
    }
}
