package org.transprune.strategies;

import ai.djl.ndarray.NDArray;
import java.util.Locale;
import org.transprune.model.Precision;

/**
 * Token Transition Variation of one sub-layer (docs/method.md#ttv): per token,
 * {@code ||after|| / ||before||} times the softmax over ALL tokens of the sequence of
 * {@code 1 - cos(before, after)}.
 */
final class TransitionVariation {
    private TransitionVariation() {}

    /** How the direction change is measured. */
    enum Cosine {
        /** {@code 1 - cos}: the reference implementation (default). */
        SIGNED,
        /** {@code 1 - |cos|}: the paper's equation. */
        ABS;

        static Cosine parse(String s) {
            switch (s.toLowerCase(Locale.ROOT)) {
                case "signed":
                    return SIGNED;
                case "abs":
                    return ABS;
                default:
                    throw new IllegalArgumentException("unknown cosine '" + s + "'");
            }
        }
    }

    /**
     * TTV of every token for states {@code before, after} of shape {@code [length, hidden]}. Only
     * three per-token reductions leave native memory; the rest is arithmetic on {@code length}
     * numbers. Under fp16 compute the states are widened first: norms and cosines are computed in fp32.
     */
    static float[] perToken(NDArray before, NDArray after, Cosine cosine) {
        if (Precision.reduced(before) || Precision.reduced(after)) {
            NDArray b = Precision.fp32(before);
            NDArray a = Precision.fp32(after);
            try {
                return perToken(b, a, cosine);
            } finally {
                if (b != before) {
                    b.close();
                }
                if (a != after) {
                    a.close();
                }
            }
        }
        float[] dot;
        float[] beforeNorm;
        float[] afterNorm;
        try (NDArray product = before.mul(after);
                NDArray dotArray = product.sum(new int[] {1});
                NDArray beforeSquares = before.square();
                NDArray beforeSum = beforeSquares.sum(new int[] {1});
                NDArray afterSquares = after.square();
                NDArray afterSum = afterSquares.sum(new int[] {1})) {
            dot = dotArray.toFloatArray();
            beforeNorm = sqrt(beforeSum.toFloatArray());
            afterNorm = sqrt(afterSum.toFloatArray());
        }
        return perToken(dot, beforeNorm, afterNorm, cosine);
    }

    /** TTV from the per-token dot products and norms. */
    static float[] perToken(float[] dot, float[] beforeNorm, float[] afterNorm, Cosine cosine) {
        int n = dot.length;
        double[] expDirection = new double[n];
        double sum = 0;
        for (int t = 0; t < n; t++) {
            // torch.nn.functional.cosine_similarity clamps each norm at eps = 1e-8.
            double cos = dot[t] / (Math.max(beforeNorm[t], 1e-8) * Math.max(afterNorm[t], 1e-8));
            double direction = 1 - (cosine == Cosine.ABS ? Math.abs(cos) : cos);
            // direction is in [0, 2]: exp cannot overflow, so no max-shift (the reference has none).
            expDirection[t] = Math.exp(direction);
            sum += expDirection[t];
        }
        float[] ttv = new float[n];
        for (int t = 0; t < n; t++) {
            double ratio = (double) afterNorm[t] / beforeNorm[t];
            ttv[t] = (float) (ratio * expDirection[t] / sum);
        }
        return ttv;
    }

    private static float[] sqrt(float[] squares) {
        float[] r = new float[squares.length];
        for (int i = 0; i < r.length; i++) {
            r[i] = (float) Math.sqrt(squares[i]);
        }
        return r;
    }
}
