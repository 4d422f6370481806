package org.transprune.strategies;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import org.transprune.prune.ParameterSpec;
import org.transprune.prune.StrategyParameters;

/**
 * The token budget of the projector-stage strategies (tokens entering the decoder) and the array
 * reading they share (docs/method.md#projector-stage).
 */
final class ProjectorBudget {
    private ProjectorBudget() {}

    static final String TOKENS = "tokens";

    /** The {@code tokens} parameter: 64 by default, the field's smallest LLaVA-1.5 budget. */
    static ParameterSpec spec() {
        return ParameterSpec.of(
                        TOKENS,
                        ParameterSpec.Type.INT,
                        64,
                        "image tokens entering the decoder (all of them when the image has no more)")
                .asBudget(ParameterSpec.Budget.tokenCount(1));
    }

    /** The bound {@code tokens}, checked to be at least 1. */
    static int tokens(StrategyParameters p) {
        int t = p.getInt(TOKENS);
        if (t < 1) {
            throw p.invalid(TOKENS, "must be at least 1, got " + t);
        }
        return t;
    }

    /** Tokens entering the decoder for {@code imageTokens}: the budget, or every token when there are fewer. */
    static int entering(int tokens, int imageTokens) {
        return Math.min(tokens, imageTokens);
    }

    /** {@code 0..n-1}. */
    static int[] all(int n) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) {
            a[i] = i;
        }
        return a;
    }

    /** Row-major fp32 values of a 1- or 2-D array (fp16 widened exactly). */
    static float[] floats(NDArray x) {
        return x.getDataType() == DataType.FLOAT32
                ? x.toFloatArray()
                : x.toType(DataType.FLOAT32, false).toFloatArray();
    }

    /** Pairwise cosine similarity {@code [n, n]} of the rows of {@code x [n, d]}, computed in fp32. */
    static float[] cosineMatrix(NDArray x) {
        NDArray x32 = x.getDataType() == DataType.FLOAT32 ? x : x.toType(DataType.FLOAT32, false);
        NDArray unit = x32.div(x32.norm(new int[] {-1}, true));
        return unit.matMul(unit.transpose()).toFloatArray();
    }
}
