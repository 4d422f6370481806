package org.transprune.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.transprune.checkpoint.CanonicalNames;
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

    VisionTower(LlavaConfig config, WeightLoader src) {
        this.config = config;
        this.vc = config.vision();
        int d = vc.hiddenSize();
        int p = vc.patchSize();
        int ff = vc.intermediateSize();
        patchWeightT = src.load(CanonicalNames.PATCH_EMBEDDING, d, 3, p, p)
                .reshape(d, 3L * p * p)
                .transpose();
        classEmbedding = src.load(CanonicalNames.CLASS_EMBEDDING, d).reshape(1, d);
        positionEmbedding = src.load(CanonicalNames.POSITION_EMBEDDING, vc.numPatches() + 1, d);
        preNormW = src.load(CanonicalNames.PRE_LAYERNORM + "weight", d);
        preNormB = src.load(CanonicalNames.PRE_LAYERNORM + "bias", d);
        blocks = new Block[config.visionBlocksToRun()];
        for (int i = 0; i < blocks.length; i++) {
            String b = CanonicalNames.visionLayer(i);
            blocks[i] = new Block(
                    src.load(b + CanonicalNames.VISION_NORM_1 + "weight", d),
                    src.load(b + CanonicalNames.VISION_NORM_1 + "bias", d),
                    src.load(b + CanonicalNames.VISION_Q + "weight", d, d).transpose(),
                    src.load(b + CanonicalNames.VISION_Q + "bias", d),
                    src.load(b + CanonicalNames.VISION_K + "weight", d, d).transpose(),
                    src.load(b + CanonicalNames.VISION_K + "bias", d),
                    src.load(b + CanonicalNames.VISION_V + "weight", d, d).transpose(),
                    src.load(b + CanonicalNames.VISION_V + "bias", d),
                    src.load(b + CanonicalNames.VISION_OUT + "weight", d, d).transpose(),
                    src.load(b + CanonicalNames.VISION_OUT + "bias", d),
                    src.load(b + CanonicalNames.VISION_NORM_2 + "weight", d),
                    src.load(b + CanonicalNames.VISION_NORM_2 + "bias", d),
                    src.load(b + CanonicalNames.VISION_FC_1 + "weight", ff, d).transpose(),
                    src.load(b + CanonicalNames.VISION_FC_1 + "bias", ff),
                    src.load(b + CanonicalNames.VISION_FC_2 + "weight", d, ff).transpose(),
                    src.load(b + CanonicalNames.VISION_FC_2 + "bias", d));
        }
    }

    /**
     * Features of one preprocessed image.
     *
     * @param pixels normalised CHW pixels, {@code 3 * imageSize * imageSize} values
     * @return {@code [imageTokens, visionHidden]} in {@code step}
     */
    NDArray forward(float[] pixels, NDManager step) {
        NDArray x = hidden(pixels, step, null);
        return "full".equals(config.visionFeatureSelect()) ? x : x.get("1:");
    }

    /**
     * The feature layer's hidden states with CLS (row 0), and from the last block run its
     * head-averaged CLS attention and keys when asked (docs/method.md#projector-stage).
     */
    TowerPass pass(float[] pixels, NDManager step, boolean attention, boolean keys) {
        if ((attention || keys) && blocks.length == 0) {
            throw new IllegalArgumentException("the tower's feature layer is its embeddings: no block has attention"
                    + " or keys to read (vision_feature_layer " + config.visionFeatureLayer() + ")");
        }
        NDArray[] captured = new NDArray[2];
        NDArray x = hidden(pixels, step, attention || keys ? captured : null);
        NDArray attn = attention ? captured[0] : null;
        NDArray k = keys ? captured[1] : null;
        return new TowerPass(x.get("1:"), x.get("0:1"), attn, k);
    }

    private NDArray hidden(float[] pixels, NDManager step, NDArray[] capture) {
        int size = vc.imageSize();
        if (pixels.length != 3 * size * size) {
            throw new IllegalArgumentException("expected " + 3 * size * size + " pixel values (3x" + size + "x" + size
                    + "), got " + pixels.length);
        }
        NDArray patches = Upload.floats(
                step,
                patchRows(pixels, size, vc.patchSize()),
                new Shape(vc.numPatches(), 3L * vc.patchSize() * vc.patchSize()));
        patches = Precision.to(patches, patchWeightT.getDataType());
        NDArray x = patches.matMul(patchWeightT); // the stride-p convolution, as one matmul
        NDArray cls = Upload.zeros(step, new Shape(1, vc.hiddenSize()), classEmbedding.getDataType())
                .addi(classEmbedding);
        x = Functional.concat(0, cls, x).addi(positionEmbedding);
        float eps = (float) vc.layerNormEps();
        x = Functional.layerNorm(x, preNormW, preNormB, eps);
        for (int i = 0; i < blocks.length; i++) {
            Block b = blocks[i];
            NDArray normed = Functional.layerNorm(x, b.ln1W, b.ln1B, eps);
            if (capture != null && i == blocks.length - 1) {
                capture(b, normed, capture);
            }
            x = x.add(selfAttention(b, normed));
            NDArray h = Functional.linear(Functional.layerNorm(x, b.ln2W, b.ln2B, eps), b.fc1T, b.fc1B);
            h = "quick_gelu".equals(vc.hiddenAct()) ? Functional.quickGelu(h) : Functional.gelu(h);
            x = x.add(Functional.linear(h, b.fc2T, b.fc2B));
        }
        return x;
    }

    /**
     * The block's CLS attention row over the patches (softmax over all tokens, CLS column then dropped,
     * mean over heads) and its keys averaged over heads, both for the patches only.
     */
    private void capture(Block b, NDArray normed, NDArray[] out) {
        long n = normed.getShape().get(0);
        int heads = vc.numHeads();
        int hd = vc.hiddenSize() / heads;
        NDArray k = Functional.linear(normed, b.kT, b.kB).reshape(n, heads, hd).transpose(1, 0, 2);
        NDArray q = Functional.linear(normed.get("0:1"), b.qT, b.qB)
                .reshape(1, heads, hd)
                .transpose(1, 0, 2);
        NDArray probs = Functional.attentionProbabilities(q, k, null); // [H, 1, 1, n], fp32
        out[0] = probs.reshape(heads, n).mean(new int[] {0}).get("1:");
        out[1] = k.mean(new int[] {0}).get("1:");
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
