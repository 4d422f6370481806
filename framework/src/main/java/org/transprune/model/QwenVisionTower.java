package org.transprune.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import org.transprune.checkpoint.CanonicalNames;
import org.transprune.config.QwenVisionConfig;
import org.transprune.image.QwenPixels;

/**
 * Qwen2.5-VL's vision tower: patch embedding (the stride-14 3D convolution as one product over the
 * flattened patches), 2D rotary positions over (row, column), pre-RMSNorm blocks with SwiGLU MLPs, window
 * attention in most blocks and whole-image attention in the configured ones, and the patch merger (RMSNorm,
 * then 2x2 patches concatenated and through a GELU MLP into one language-model token). Blocks run on the
 * patches reordered window by window and the merged tokens are put back in row-major order at the end, as
 * in {@code Qwen2_5_VisionTransformerPretrainedModel.forward}.
 */
final class QwenVisionTower {
    private static final float EPS = 1e-6f;
    private static final double ROTARY_THETA = 10000.0;

    private final QwenVisionConfig vc;
    private final NDArray patchT; // [patchValues, D]
    private final Block[] blocks;
    private final NDArray mergerNorm;
    private final NDArray fc1T;
    private final NDArray fc1B;
    private final NDArray fc2T;
    private final NDArray fc2B;

    private record Block(
            NDArray norm1,
            NDArray norm2,
            NDArray qkvT,
            NDArray qkvB,
            NDArray projT,
            NDArray projB,
            NDArray gateT,
            NDArray gateB,
            NDArray upT,
            NDArray upB,
            NDArray downT,
            NDArray downB) {}

    QwenVisionTower(QwenVisionConfig vc, WeightLoader src) {
        this.vc = vc;
        long d = vc.hiddenSize();
        long m = vc.intermediateSize();
        patchT = src.load(CanonicalNames.QWEN_PATCH_EMBED, d, 3, vc.temporalPatchSize(), vc.patchSize(), vc.patchSize())
                .reshape(d, vc.patchValues())
                .transpose();
        blocks = new Block[vc.depth()];
        for (int i = 0; i < blocks.length; i++) {
            String b = CanonicalNames.qwenVisionBlock(i);
            blocks[i] = new Block(
                    src.load(b + CanonicalNames.QWEN_NORM_1, d),
                    src.load(b + CanonicalNames.QWEN_NORM_2, d),
                    src.load(b + CanonicalNames.QWEN_QKV + "weight", 3 * d, d).transpose(),
                    src.load(b + CanonicalNames.QWEN_QKV + "bias", 3 * d),
                    src.load(b + CanonicalNames.QWEN_ATTN_OUT + "weight", d, d).transpose(),
                    src.load(b + CanonicalNames.QWEN_ATTN_OUT + "bias", d),
                    src.load(b + CanonicalNames.QWEN_GATE + "weight", m, d).transpose(),
                    src.load(b + CanonicalNames.QWEN_GATE + "bias", m),
                    src.load(b + CanonicalNames.QWEN_UP + "weight", m, d).transpose(),
                    src.load(b + CanonicalNames.QWEN_UP + "bias", m),
                    src.load(b + CanonicalNames.QWEN_DOWN + "weight", d, m).transpose(),
                    src.load(b + CanonicalNames.QWEN_DOWN + "bias", d));
        }
        long merged = d * vc.spatialMergeSize() * vc.spatialMergeSize();
        mergerNorm = src.load(CanonicalNames.QWEN_MERGER_NORM, d);
        fc1T = src.load(CanonicalNames.QWEN_MERGER_FC_1 + "weight", merged, merged)
                .transpose();
        fc1B = src.load(CanonicalNames.QWEN_MERGER_FC_1 + "bias", merged);
        fc2T = src.load(CanonicalNames.QWEN_MERGER_FC_2 + "weight", vc.outHiddenSize(), merged)
                .transpose();
        fc2B = src.load(CanonicalNames.QWEN_MERGER_FC_2 + "bias", vc.outHiddenSize());
    }

    /**
     * The language-model tokens of one preprocessed image, merged 2x2 blocks in row-major order.
     *
     * @return {@code [(gridH / 2) * (gridW / 2), outHidden]} in {@code step}
     */
    NDArray forward(QwenPixels pixels, NDManager step) {
        return forward(pixels, false, step).tokens();
    }

    /**
     * The merged tokens and, when asked, the merger's input: per merged token the four patch features of its
     * 2x2 block after the merger's RMSNorm, concatenated ({@code [tokens, 4 * hidden]}), both in row-major
     * token order.
     */
    record Pass(NDArray tokens, NDArray mergerInput) {}

    /** As {@link #forward(QwenPixels, NDManager)}, with the merger's input when {@code mergerInput}. */
    Pass forward(QwenPixels pixels, boolean mergerInput, NDManager step) {
        int merge = vc.spatialMergeSize();
        int unit = merge * merge;
        if (pixels.patchValues() != vc.patchValues()) {
            throw new IllegalArgumentException("patches of " + pixels.patchValues() + " values; the tower takes "
                    + vc.patchValues() + " (3 x " + vc.temporalPatchSize() + " x " + vc.patchSize() + "^2)");
        }
        if (pixels.gridH() % merge != 0 || pixels.gridW() % merge != 0) {
            throw new IllegalArgumentException("patch grid " + pixels.gridH() + " x " + pixels.gridW()
                    + " is not a multiple of the merge size " + merge);
        }
        int llmH = pixels.gridH() / merge;
        int llmW = pixels.gridW() / merge;
        int tokens = llmH * llmW;
        int patches = tokens * unit;
        int[] window = windowIndex(llmH, llmW, vc.windowTokens());
        int[] windowLengths = windowLengths(llmH, llmW, vc.windowTokens());
        // patch order after the window reordering: the unit patches of each merged token stay together
        int[] patchOrder = new int[patches];
        for (int i = 0; i < tokens; i++) {
            for (int u = 0; u < unit; u++) {
                patchOrder[i * unit + u] = window[i] * unit + u;
            }
        }
        int hd = vc.headDim();
        float[][] rot = rotaryTables(rotaryIds(pixels.gridH(), pixels.gridW(), merge), hd);
        float[] cos = new float[patches * hd];
        float[] sin = new float[patches * hd];
        for (int i = 0; i < patches; i++) {
            System.arraycopy(rot[0], patchOrder[i] * hd, cos, i * hd, hd);
            System.arraycopy(rot[1], patchOrder[i] * hd, sin, i * hd, hd);
        }
        NDArray cosArr = Upload.floats(step, cos, new Shape(patches, hd));
        NDArray sinArr = Upload.floats(step, sin, new Shape(patches, hd));
        NDArray x = Upload.floats(step, pixels.patches(), new Shape(patches, vc.patchValues()));
        x = Precision.to(x, patchT.getDataType()).matMul(patchT);
        x = x.get(Upload.longs(step, patchOrder));
        int[] windowSegments = new int[windowLengths.length];
        for (int w = 0; w < windowLengths.length; w++) {
            windowSegments[w] = windowLengths[w] * unit;
        }
        Segments windows = new Segments(windowSegments, step);
        for (int i = 0; i < blocks.length; i++) {
            Block b = blocks[i];
            try (NDManager scope = step.newSubManager()) {
                x.attach(scope);
                NDArray a = attention(
                        b, Functional.rmsNorm(x, b.norm1, EPS), cosArr, sinArr, vc.fullAttention(i) ? null : windows);
                x = x.add(a);
                NDArray y = Functional.rmsNorm(x, b.norm2, EPS);
                NDArray g = Functional.silu(Functional.linear(y, b.gateT, b.gateB));
                NDArray mlp = Functional.linear(g.muli(Functional.linear(y, b.upT, b.upB)), b.downT, b.downB);
                x = x.add(mlp);
                x.attach(step);
            }
        }
        NDArray merged = Functional.rmsNorm(x, mergerNorm, EPS).reshape(tokens, (long) unit * vc.hiddenSize());
        NDArray out = mergerMlp(merged);
        // back to row-major token order: the token at window position i is token window[i]
        NDArray rowMajor = Upload.longs(step, inverse(window));
        return new Pass(out.get(rowMajor), mergerInput ? merged.get(rowMajor) : null);
    }

    /** The merger's MLP (Linear, exact GELU, Linear) on merger-input rows {@code [n, 4 * hidden]}: {@code [n, out]}. */
    NDArray mergerMlp(NDArray mergerInput) {
        return Functional.linear(Functional.gelu(Functional.linear(mergerInput, fc1T, fc1B)), fc2T, fc2B);
    }

    /** Attention of {@code x [P, D]} over the whole image ({@code windows} null) or within each window. */
    private NDArray attention(Block b, NDArray x, NDArray cos, NDArray sin, Segments windows) {
        long n = x.getShape().get(0);
        int heads = vc.numHeads();
        int hd = vc.headDim();
        NDArray qkv = Functional.linear(x, b.qkvT, b.qkvB).reshape(n, 3, heads, hd);
        NDArray q = rotate(qkv.get(":, 0").transpose(1, 0, 2), cos, sin);
        NDArray k = rotate(qkv.get(":, 1").transpose(1, 0, 2), cos, sin);
        NDArray v = qkv.get(":, 2").transpose(1, 0, 2);
        NDArray out = windows == null || windows.count() == 1
                ? Functional.attention(q, k, v, null)
                : windows.attention(q, k, v);
        return Functional.linear(out.transpose(1, 0, 2).reshape(n, vc.hiddenSize()), b.projT, b.projB);
    }

    /** The vision rotary embedding on {@code x [H, P, hd]}, computed in fp32 as the reference does. */
    private static NDArray rotate(NDArray x, NDArray cos, NDArray sin) {
        NDArray x32 = Precision.fp32(x);
        long half = x.getShape().get(2) / 2;
        NDArray rotated = Functional.concat(-1, x32.get(":, :, " + half + ":").neg(), x32.get(":, :, :" + half));
        NDArray y = x32.mul(cos).addi(rotated.muli(sin));
        return Precision.to(y, x.getDataType());
    }

    /**
     * Contiguous runs of rows that attend only among themselves, computed together: padded to the longest
     * run, with padded keys masked out.
     */
    private static final class Segments {
        private final int count;
        private final int longest;
        private final NDArray gather; // [count * longest] rows of the padded layout (padding reads row 0)
        private final NDArray scatter; // [P] where each row sits in the padded layout
        private final NDArray keyMask; // [count, 1, longest], 0 or -inf

        Segments(int[] lengths, NDManager m) {
            count = lengths.length;
            int max = 0;
            int total = 0;
            for (int l : lengths) {
                max = Math.max(max, l);
                total += l;
            }
            longest = max;
            int[] g = new int[count * longest];
            int[] s = new int[total];
            float[] mask = new float[count * longest];
            int offset = 0;
            for (int w = 0; w < count; w++) {
                for (int j = 0; j < longest; j++) {
                    if (j < lengths[w]) {
                        g[w * longest + j] = offset + j;
                        s[offset + j] = w * longest + j;
                    } else {
                        mask[w * longest + j] = Float.NEGATIVE_INFINITY;
                    }
                }
                offset += lengths[w];
            }
            gather = Upload.longs(m, g);
            scatter = Upload.longs(m, s);
            keyMask = Upload.floats(m, mask, new Shape(count, 1, longest));
        }

        int count() {
            return count;
        }

        /** Bidirectional attention within each run: {@code q, k, v [H, P, hd]} to {@code [H, P, hd]}. */
        NDArray attention(NDArray q, NDArray k, NDArray v) {
            long heads = q.getShape().get(0);
            long hd = q.getShape().get(2);
            NDArray qp = pad(q, heads, hd).mul((float) (1.0 / Math.sqrt(hd)));
            NDArray kp = pad(k, heads, hd);
            NDArray vp = pad(v, heads, hd);
            NDArray scores = Precision.fp32(qp.matMul(kp.transpose(0, 1, 3, 2))); // [H, W, Lm, Lm]
            NDArray probs = scores.addi(keyMask).softmax(-1);
            NDArray out = Precision.to(probs, v.getDataType()).matMul(vp); // [H, W, Lm, hd]
            return rows(out.reshape(heads, (long) count * longest, hd), scatter);
        }

        private NDArray pad(NDArray x, long heads, long hd) {
            return rows(x, gather).reshape(heads, count, longest, hd);
        }

        /** Rows {@code index} of the middle axis of {@code x [H, P, hd]}. */
        private static NDArray rows(NDArray x, NDArray index) {
            return x.transpose(1, 0, 2).get(index).transpose(1, 0, 2);
        }
    }

    // ---- index arithmetic of the reference, on plain arrays (tested against transliterations)

    /**
     * The merged tokens in window order: windows of {@code window x window} tokens row-major over the grid,
     * the tokens of a window row-major; windows at the right and bottom edges are smaller. As the reference's
     * {@code get_window_index} for one image.
     */
    static int[] windowIndex(int llmH, int llmW, int window) {
        int[] out = new int[llmH * llmW];
        int o = 0;
        for (int wy = 0; wy * window < llmH; wy++) {
            for (int wx = 0; wx * window < llmW; wx++) {
                for (int y = wy * window; y < Math.min(llmH, (wy + 1) * window); y++) {
                    for (int x = wx * window; x < Math.min(llmW, (wx + 1) * window); x++) {
                        out[o++] = y * llmW + x;
                    }
                }
            }
        }
        return out;
    }

    /**
     * Merged tokens per window, in window order, empty windows left out (the reference pads a whole window
     * when the grid divides evenly and its {@code unique_consecutive} drops the resulting empty windows).
     */
    static int[] windowLengths(int llmH, int llmW, int window) {
        List<Integer> lengths = new ArrayList<>();
        for (int wy = 0; wy * window < llmH; wy++) {
            for (int wx = 0; wx * window < llmW; wx++) {
                int h = Math.min(llmH, (wy + 1) * window) - wy * window;
                int w = Math.min(llmW, (wx + 1) * window) - wx * window;
                lengths.add(h * w);
            }
        }
        return lengths.stream().mapToInt(Integer::intValue).toArray();
    }

    /**
     * The (row, column) of each patch in the processor's order (2x2 blocks row-major, patches in a block
     * row-major): {@code {rows, columns}}, as the reference's {@code rot_pos_emb}.
     */
    static int[][] rotaryIds(int gridH, int gridW, int merge) {
        int[] rows = new int[gridH * gridW];
        int[] cols = new int[gridH * gridW];
        int i = 0;
        for (int bh = 0; bh < gridH / merge; bh++) {
            for (int bw = 0; bw < gridW / merge; bw++) {
                for (int mh = 0; mh < merge; mh++) {
                    for (int mw = 0; mw < merge; mw++) {
                        rows[i] = bh * merge + mh;
                        cols[i] = bw * merge + mw;
                        i++;
                    }
                }
            }
        }
        return new int[][] {rows, cols};
    }

    /**
     * Cos and sin {@code [P * hd]} of the vision rotary embedding: with {@code f_j = 1 / 10000^(4j / hd)} for
     * {@code j < hd / 4}, a patch's angles are {@code (row f, column f)}, repeated for the two halves of the
     * head. Computed in float32 as the reference does.
     */
    static float[][] rotaryTables(int[][] ids, int hd) {
        int dim = hd / 2;
        int quarter = dim / 2;
        float[] inv = new float[quarter];
        for (int j = 0; j < quarter; j++) {
            inv[j] = (float) (1.0 / (float) Math.pow(ROTARY_THETA, (float) (2 * j) / dim));
        }
        int n = ids[0].length;
        float[] cos = new float[n * hd];
        float[] sin = new float[n * hd];
        for (int p = 0; p < n; p++) {
            for (int j = 0; j < quarter; j++) {
                float[] angles = {ids[0][p] * inv[j], ids[1][p] * inv[j]};
                for (int a = 0; a < 2; a++) {
                    float c = (float) Math.cos(angles[a]);
                    float s = (float) Math.sin(angles[a]);
                    int d = a * quarter + j;
                    cos[p * hd + d] = c;
                    cos[p * hd + dim + d] = c;
                    sin[p * hd + d] = s;
                    sin[p * hd + dim + d] = s;
                }
            }
        }
        return new float[][] {cos, sin};
    }

    /** The inverse permutation ({@code argsort} of a permutation). */
    static int[] inverse(int[] permutation) {
        int[] inv = new int[permutation.length];
        for (int i = 0; i < permutation.length; i++) {
            inv[permutation[i]] = i;
        }
        return inv;
    }
}
