package org.transprune.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.norm.LayerNorm;

/**
 * The elementary functions of the forward pass, as in {@code torch.nn.functional}. Every function
 * keeps the activation as the receiver of the first op, so results land in the activation's
 * (per-step) manager and never in the long-lived weight manager.
 */
final class Functional {
    private Functional() {}

    /** LLaMA RMSNorm: {@code x / sqrt(mean(x^2) + eps) * weight}. */
    static NDArray rmsNorm(NDArray x, NDArray weight, float eps) {
        return normalise(x, eps).mul(weight);
    }

    /** RMSNorm with the gain held as a {@link Weight}. */
    static NDArray rmsNorm(NDArray x, Weight weight, float eps) {
        return weight.scale(normalise(x, eps));
    }

    /** {@code x / sqrt(mean(x^2) + eps)}; under fp16 the variance and the division run in fp32 (as LLaMA does). */
    private static NDArray normalise(NDArray x, float eps) {
        if (Precision.reduced(x)) {
            NDArray x32 = Precision.fp32(x);
            NDArray meanSquare = x32.square().mean(new int[] {-1}, true);
            return x32.div(meanSquare.add(eps).sqrt()).toType(x.getDataType(), false);
        }
        NDArray meanSquare = x.square().mean(new int[] {-1}, true);
        return x.div(meanSquare.add(eps).sqrt());
    }

    /** LayerNorm over the last dimension with affine parameters; computed in fp32 under fp16. */
    static NDArray layerNorm(NDArray x, NDArray gamma, NDArray beta, float eps) {
        if (Precision.reduced(x)) {
            NDArray y = layerNorm(Precision.fp32(x), Precision.fp32(gamma), Precision.fp32(beta), eps);
            return y.toType(x.getDataType(), false);
        }
        return LayerNorm.layerNorm(x, new Shape(x.getShape().get(x.getShape().dimension() - 1)), gamma, beta, eps)
                .singletonOrThrow();
    }

    /** {@code x W^T + b} for a weight held transposed ({@code [in, out]}); bias may be null. */
    static NDArray linear(NDArray x, NDArray weightT, NDArray bias) {
        NDArray y = x.matMul(weightT);
        return bias == null ? y : y.addi(bias);
    }

    /** CLIP's quick_gelu: {@code x * sigmoid(1.702 x)}. */
    static NDArray quickGelu(NDArray x) {
        return x.mul(Activation.sigmoid(x.mul(1.702f)));
    }

    /** Exact (erf) GELU, as torch's nn.GELU(). */
    static NDArray gelu(NDArray x) {
        return Activation.gelu(x);
    }

    /** SiLU: {@code x * sigmoid(x)}. */
    static NDArray silu(NDArray x) {
        return x.mul(Activation.sigmoid(x));
    }

    /**
     * Scaled dot-product attention with grouped KV heads: {@code q [H, Lq, hd]},
     * {@code k, v [KV, Lk, hd]}, optional additive mask {@code [Lq, Lk]}; returns {@code [H, Lq, hd]}.
     */
    static NDArray attention(NDArray q, NDArray k, NDArray v, NDArray mask) {
        NDArray probs = attentionProbabilities(q, k, mask);
        long heads = q.getShape().get(0);
        long kv = k.getShape().get(0);
        long lq = q.getShape().get(1);
        long hd = q.getShape().get(2);
        // fp32 probabilities back to the values' dtype for the product (as the reference's eager attention).
        NDArray out = Precision.to(probs, v.getDataType()).matMul(v.expandDims(1)); // [KV, G, Lq, hd]
        return out.reshape(heads, lq, hd);
    }

    /**
     * Softmax attention probabilities {@code [KV, G, Lq, Lk]} (query head h = kv head h / G),
     * with the 1/sqrt(head_dim) scale; under fp16 the scores are widened and the mask and softmax run in
     * fp32, so the probabilities are always fp32.
     */
    static NDArray attentionProbabilities(NDArray q, NDArray k, NDArray mask) {
        long heads = q.getShape().get(0);
        long kv = k.getShape().get(0);
        long lq = q.getShape().get(1);
        long hd = q.getShape().get(2);
        NDArray qg = q.mul((float) (1.0 / Math.sqrt(hd))).reshape(kv, heads / kv, lq, hd);
        NDArray scores = Precision.fp32(qg.matMul(k.expandDims(1).transpose(0, 1, 3, 2)));
        if (mask != null) {
            scores = scores.addi(mask);
        }
        return scores.softmax(-1);
    }

    /** Additive causal mask {@code [rows, cols]} for queries at the last {@code rows} of {@code cols} keys. */
    static NDArray causalMask(NDManager manager, int rows, int cols) {
        float[] m = new float[rows * cols];
        int offset = cols - rows;
        for (int i = 0; i < rows; i++) {
            for (int j = offset + i + 1; j < cols; j++) {
                m[i * cols + j] = Float.NEGATIVE_INFINITY;
            }
        }
        return Upload.floats(manager, m, new Shape(rows, cols));
    }

    /** Concatenates along {@code axis}. */
    static NDArray concat(int axis, NDArray... parts) {
        return NDArrays.concat(new NDList(parts), axis);
    }
}
