package org.transprune.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.transprune.checkpoint.CanonicalNames;
import org.transprune.checkpoint.TensorSource;
import org.transprune.config.LlavaConfig;
import org.transprune.config.VisionConfig;

/**
 * CLIP ViT vision tower (pre-LN transformer, quick_gelu MLP, class + learned position
 * embeddings). It runs only the blocks needed to reach the configured feature layer and returns
 * the patch features, CLS dropped unless the select strategy is {@code full}.
 */
final class VisionTower {
    private final LlavaConfig config;
    private final VisionConfig vc;
    private final NDArray patchWeightT; // [3*p*p, D]
    private final NDArray classEmbedding; // [1, D]
    private final NDArray positionEmbedding; // [P+1, D]
    private final NDArray preNormW;
    private final NDArray preNormB;
    private final Block[] blocks;

    private record Block(
            NDArray ln1W,
            NDArray ln1B,
            NDArray qT,
            NDArray qB,
            NDArray kT,
            NDArray kB,
            NDArray vT,
            NDArray vB,
            NDArray oT,
            NDArray oB,
            NDArray ln2W,
            NDArray ln2B,
            NDArray fc1T,
            NDArray fc1B,
            NDArray fc2T,
            NDArray fc2B) {}

    VisionTower(LlavaConfig config, TensorSource src, NDManager m) {
        this.config = config;
        this.vc = config.vision();
        int d = vc.hiddenSize();
        int p = vc.patchSize();
        int ff = vc.intermediateSize();
        patchWeightT = src.fp32(CanonicalNames.PATCH_EMBEDDING, m, d, 3, p, p)
                .reshape(d, 3L * p * p)
                .transpose();
        classEmbedding = src.fp32(CanonicalNames.CLASS_EMBEDDING, m, d).reshape(1, d);
        positionEmbedding = src.fp32(CanonicalNames.POSITION_EMBEDDING, m, vc.numPatches() + 1, d);
        preNormW = src.fp32(CanonicalNames.PRE_LAYERNORM + "weight", m, d);
        preNormB = src.fp32(CanonicalNames.PRE_LAYERNORM + "bias", m, d);
        blocks = new Block[config.visionBlocksToRun()];
        for (int i = 0; i < blocks.length; i++) {
            String b = CanonicalNames.visionLayer(i);
            blocks[i] = new Block(
                    src.fp32(b + CanonicalNames.VISION_NORM_1 + "weight", m, d),
                    src.fp32(b + CanonicalNames.VISION_NORM_1 + "bias", m, d),
                    src.fp32(b + CanonicalNames.VISION_Q + "weight", m, d, d).transpose(),
                    src.fp32(b + CanonicalNames.VISION_Q + "bias", m, d),
                    src.fp32(b + CanonicalNames.VISION_K + "weight", m, d, d).transpose(),
                    src.fp32(b + CanonicalNames.VISION_K + "bias", m, d),
                    src.fp32(b + CanonicalNames.VISION_V + "weight", m, d, d).transpose(),
                    src.fp32(b + CanonicalNames.VISION_V + "bias", m, d),
                    src.fp32(b + CanonicalNames.VISION_OUT + "weight", m, d, d).transpose(),
                    src.fp32(b + CanonicalNames.VISION_OUT + "bias", m, d),
                    src.fp32(b + CanonicalNames.VISION_NORM_2 + "weight", m, d),
                    src.fp32(b + CanonicalNames.VISION_NORM_2 + "bias", m, d),
                    src.fp32(b + CanonicalNames.VISION_FC_1 + "weight", m, ff, d)
                            .transpose(),
                    src.fp32(b + CanonicalNames.VISION_FC_1 + "bias", m, ff),
                    src.fp32(b + CanonicalNames.VISION_FC_2 + "weight", m, d, ff)
                            .transpose(),
                    src.fp32(b + CanonicalNames.VISION_FC_2 + "bias", m, d));
        }
    }

    /**
     * Features of one preprocessed image.
     *
     * @param pixels normalised CHW pixels, {@code 3 * imageSize * imageSize} values
     * @return {@code [imageTokens, visionHidden]} in {@code step}
     */
    NDArray forward(float[] pixels, NDManager step) {
        int size = vc.imageSize();
        if (pixels.length != 3 * size * size) {
            throw new IllegalArgumentException("expected " + 3 * size * size + " pixel values (3x" + size + "x" + size
                    + "), got " + pixels.length);
        }
        NDArray patches = Upload.floats(
                step,
                patchRows(pixels, size, vc.patchSize()),
                new Shape(vc.numPatches(), 3L * vc.patchSize() * vc.patchSize()));
        NDArray x = patches.matMul(patchWeightT); // the stride-p convolution, as one matmul
        NDArray cls = step.zeros(new Shape(1, vc.hiddenSize())).addi(classEmbedding);
        x = Functional.concat(0, cls, x).addi(positionEmbedding);
        float eps = (float) vc.layerNormEps();
        x = Functional.layerNorm(x, preNormW, preNormB, eps);
        for (Block b : blocks) {
            x = x.add(selfAttention(b, Functional.layerNorm(x, b.ln1W, b.ln1B, eps)));
            NDArray h = Functional.linear(Functional.layerNorm(x, b.ln2W, b.ln2B, eps), b.fc1T, b.fc1B);
            h = "quick_gelu".equals(vc.hiddenAct()) ? Functional.quickGelu(h) : Functional.gelu(h);
            x = x.add(Functional.linear(h, b.fc2T, b.fc2B));
        }
        return "full".equals(config.visionFeatureSelect()) ? x : x.get("1:");
    }

    private NDArray selfAttention(Block b, NDArray x) {
        long n = x.getShape().get(0);
        int heads = vc.numHeads();
        int hd = vc.hiddenSize() / heads;
        NDArray q = Functional.linear(x, b.qT, b.qB).reshape(n, heads, hd).transpose(1, 0, 2);
        NDArray k = Functional.linear(x, b.kT, b.kB).reshape(n, heads, hd).transpose(1, 0, 2);
        NDArray v = Functional.linear(x, b.vT, b.vB).reshape(n, heads, hd).transpose(1, 0, 2);
        NDArray out = Functional.attention(q, k, v, null); // bidirectional
        return Functional.linear(out.transpose(1, 0, 2).reshape(n, vc.hiddenSize()), b.oT, b.oB);
    }

    /**
     * Unfolds CHW pixels into one row per patch (row-major over the grid), each row ordered
     * (channel, y, x) like the convolution weight {@code [D, 3, p, p]}.
     */
    static float[] patchRows(float[] chw, int size, int p) {
        int grid = size / p;
        int rowLen = 3 * p * p;
        float[] out = new float[grid * grid * rowLen];
        for (int gy = 0; gy < grid; gy++) {
            for (int gx = 0; gx < grid; gx++) {
                int o = (gy * grid + gx) * rowLen;
                for (int c = 0; c < 3; c++) {
                    for (int y = 0; y < p; y++) {
                        System.arraycopy(chw, c * size * size + (gy * p + y) * size + gx * p, out, o, p);
                        o += p;
                    }
                }
            }
        }
        return out;
    }
}
