package org.transprune.strategies;

import ai.djl.ndarray.NDArray;
import org.transprune.model.TokenLayout;

/** Image-token scores read from head-averaged attention rows {@code [queries, length]}. */
final class ImageAttention {
    private ImageAttention() {}

    /**
     * Mean over the query rows of the image-key columns: one score per image token (docs/method.md#iga,
     * 3, step 3; the engine has already averaged the heads).
     */
    static float[] meanOverQueries(NDArray probabilities, TokenLayout layout) {
        float[][] rows = imageColumns(probabilities, layout);
        int n = layout.imageLength();
        float[] mean = new float[n];
        for (int j = 0; j < n; j++) {
            double sum = 0;
            for (float[] row : rows) {
                sum += row[j];
            }
            mean[j] = (float) (sum / rows.length);
        }
        return mean;
    }

    /** The image-key columns of each query row, copied to Java: {@code [queries][imageLength]}. */
    static float[][] imageColumns(NDArray probabilities, TokenLayout layout) {
        int queries = (int) probabilities.getShape().get(0);
        if (probabilities.getShape().get(1) != layout.length()) {
            throw new IllegalStateException("attention rows have "
                    + probabilities.getShape().get(1) + " columns but the sequence has " + layout.length() + " tokens");
        }
        int n = layout.imageLength();
        float[][] rows = new float[queries][n];
        if (n == 0 || queries == 0) {
            return rows;
        }
        float[] flat;
        try (NDArray image = probabilities.get(":, " + layout.imageStart() + ":" + layout.instructionStart())) {
            flat = image.toFloatArray();
        }
        for (int q = 0; q < queries; q++) {
            System.arraycopy(flat, q * n, rows[q], 0, n);
        }
        return rows;
    }

    /** {@code values / (sum + 1e-8)}, the normalisation of docs/method.md#combination. */
    static float[] normalise(float[] values) {
        double sum = 0;
        for (float v : values) {
            sum += v;
        }
        float[] out = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (float) (values[i] / (sum + 1e-8));
        }
        return out;
    }

    /** {@code values[kept[i]]}: a per-image-token vector re-indexed to the tokens a stage kept. */
    static float[] gather(float[] values, int[] kept) {
        float[] out = new float[kept.length];
        for (int i = 0; i < kept.length; i++) {
            out[i] = values[kept[i]];
        }
        return out;
    }
}
