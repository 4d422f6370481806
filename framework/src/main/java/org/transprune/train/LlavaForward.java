package org.transprune.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.norm.LayerNorm;
import java.util.Map;
import org.transprune.checkpoint.CanonicalNames;
import org.transprune.config.LlavaConfig;
import org.transprune.config.TextConfig;
import org.transprune.config.VisionConfig;
import org.transprune.model.Rope;

/**
 * The batched LLaVA forward of training, computing exactly what the inference engine
 * ({@code org.transprune.model}) computes: CLIP tower over 14 px patches with pre-LN blocks and
 * quick_gelu, features of the configured layer with CLS dropped, mlp2x_gelu projector, LLaMA decoder
 * (RMSNorm, RoPE in the rotate-half convention with {@link Rope}'s tables, SwiGLU). Weights are
 * passed in by canonical name; the training-only supervision reads decoder layers through a
 * {@link LayerTap}.
 *
 * <p>Every constant of the graph is an NDArray built once by {@code manager.full} and kept open (a
 * Java number in an op corrupts gradients, docs/djl-notes.md#pitfall-1); no in-place op touches the graph.
 */
final class LlavaForward {
    private final LlavaConfig config;
    private final NDArray quickGeluScale;
    private final NDArray rmsEps;
    private final NDArray visionScale;
    private final NDArray textScale;
    /** {@link Rope#table} tables, {@code [maxPositions * headDim]} each. */
    private final float[][] rope;

    /** What a decoder layer shows the training-only supervision. */
    interface LayerTap {
        /** The pre-softmax attention scores {@code [B, heads, L, L]} of decoder layer {@code layer}. */
        void scores(int layer, NDArray scores);

        /** The residual stream {@code [B, L, hidden]} after decoder layer {@code layer}. */
        void output(int layer, NDArray hidden);
    }

    /** @param manager the long-lived manager that owns the graph's constants */
    LlavaForward(LlavaConfig config, NDManager manager) {
        this.config = config;
        quickGeluScale = constant(manager, 1.702f);
        rmsEps = constant(manager, (float) config.text().rmsNormEps());
        visionScale = constant(manager, (float)
                (1.0 / Math.sqrt(config.vision().hiddenSize() / config.vision().numHeads())));
        textScale = constant(manager, (float) (1.0 / Math.sqrt(config.text().headDim())));
        TextConfig t = config.text();
        rope = Rope.table(t.headDim(), t.maxPositionEmbeddings(), t.ropeTheta());
    }

    static NDArray constant(NDManager manager, float value) {
        return manager.full(new Shape(), value, DataType.FLOAT32);
    }

    /** Tower features {@code [B, patches, visionHidden]} of the configured feature layer, CLS dropped. */
    NDArray vision(Map<String, NDArray> w, PackedBatch.Images images, NDManager step) {
        VisionConfig vc = config.vision();
        int b = images.count() * images.views(); // every view of every image in one tower batch
        int s = vc.imageSize();
        int p = vc.patchSize();
        int g = vc.gridSize();
        int d = vc.hiddenSize();
        NDArray pixels = step.create(images.pixels(), new Shape(b, 3, s, s));
        // The stride-p convolution as one matmul over patch rows ordered (channel, y, x), as the engine does.
        NDArray patches =
                pixels.reshape(b, 3, g, p, g, p).transpose(0, 2, 4, 1, 3, 5).reshape(b, (long) g * g, 3L * p * p);
        NDArray x = patches.matMul(
                w.get(CanonicalNames.PATCH_EMBEDDING).reshape(d, 3L * p * p).transpose());
        NDArray cls = step.zeros(new Shape(b, 1, d)).add(w.get(CanonicalNames.CLASS_EMBEDDING));
        x = NDArrays.concat(new NDList(cls, x), 1).add(w.get(CanonicalNames.POSITION_EMBEDDING));
        float eps = (float) vc.layerNormEps();
        x = layerNorm(x, w, CanonicalNames.PRE_LAYERNORM, eps);
        for (int i = 0; i < config.visionBlocksToRun(); i++) {
            String l = CanonicalNames.visionLayer(i);
            x = x.add(visionAttention(w, l, layerNorm(x, w, l + "layer_norm1.", eps)));
            NDArray h = linear(layerNorm(x, w, l + "layer_norm2.", eps), w, l + "mlp.fc1.");
            h = "quick_gelu".equals(vc.hiddenAct())
                    ? h.mul(Activation.sigmoid(h.mul(quickGeluScale)))
                    : Activation.gelu(h);
            x = x.add(linear(h, w, l + "mlp.fc2."));
        }
        return "full".equals(config.visionFeatureSelect()) ? x : x.get(":, 1:, :");
    }

    private NDArray visionAttention(Map<String, NDArray> w, String l, NDArray x) {
        long b = x.getShape().get(0);
        long n = x.getShape().get(1);
        int heads = config.vision().numHeads();
        int d = config.vision().hiddenSize();
        int hd = d / heads;
        NDArray q =
                linear(x, w, l + "self_attn.q_proj.").reshape(b, n, heads, hd).transpose(0, 2, 1, 3);
        NDArray k =
                linear(x, w, l + "self_attn.k_proj.").reshape(b, n, heads, hd).transpose(0, 2, 1, 3);
        NDArray v =
                linear(x, w, l + "self_attn.v_proj.").reshape(b, n, heads, hd).transpose(0, 2, 1, 3);
        NDArray probs = q.mul(visionScale).matMul(k.transpose(0, 1, 3, 2)).softmax(-1);
        NDArray out = probs.matMul(v).transpose(0, 2, 1, 3).reshape(b, n, d);
        return linear(out, w, l + "self_attn.out_proj.");
    }

    /** The mlp2x_gelu projector: tower features to image embeddings {@code [B, patches, textHidden]}. */
    NDArray projector(Map<String, NDArray> w, NDArray features) {
        NDArray h = Activation.gelu(linear(features, w, CanonicalNames.PROJECTOR_1));
        return linear(h, w, CanonicalNames.PROJECTOR_2);
    }

    /**
     * LLaVA-NeXT's image block from projected view features {@code [B * views, patches, hidden]}: each
     * image's base features, then the kept rows of its tile grid (unpadded), each followed by
     * {@code image_newline}, exactly as {@code model.AnyResEncoder} arranges them; {@code [B, N, hidden]}.
     * A gather, so gradients reach the features and the newline embedding.
     */
    NDArray arrange(Map<String, NDArray> w, NDArray projected, PackedBatch.Images images, NDManager step) {
        int b = images.count();
        long perImage = (long) images.views() * projected.getShape().get(1);
        long h = projected.getShape().get(2);
        NDArray newline = step.zeros(new Shape(b, 1, h)).add(w.get(CanonicalNames.IMAGE_NEWLINE));
        NDArray rows = NDArrays.concat(new NDList(projected.reshape(b, perImage, h), newline), 1)
                .reshape(b * (perImage + 1), h);
        long[] index = images.arrangement();
        NDArray picked = rows.get(step.create(index, new Shape(index.length)));
        return picked.reshape(b, index.length / b, h);
    }

    /** Logits {@code [targets, vocab]} at the batch's target rows; {@code tap} sees every layer. */
    NDArray decoder(Map<String, NDArray> w, NDArray image, PackedBatch.Sequences text, NDManager step, LayerTap tap) {
        TextConfig t = config.text();
        int b = (int) image.getShape().get(0);
        int len = text.length();
        int d = t.hiddenSize();
        int heads = t.numHeads();
        int kvHeads = t.numKeyValueHeads();
        int hd = t.headDim();
        int start = text.imageStart();
        int n = text.imageLength();
        NDArray ids = step.create(text.ids(), new Shape((long) b * len));
        NDArray embedded = w.get(CanonicalNames.EMBED_TOKENS).get(ids).reshape(b, len, d);
        NDArray h = NDArrays.concat(
                new NDList(embedded.get(":, :" + start + ", :"), image, embedded.get(":, " + (start + n) + ":, :")), 1);
        NDArray mask = step.create(text.mask(), new Shape(b, 1, len, len));
        NDArray[] cs = ropeTables(text.positions(), b, len, step);
        for (int i = 0; i < t.numLayers(); i++) {
            String l = CanonicalNames.decoderLayer(i);
            NDArray x = rmsNorm(h, w.get(l + "input_layernorm.weight"));
            NDArray q = rope(
                    matmulT(x, w, l + "self_attn.q_proj.weight")
                            .reshape(b, len, heads, hd)
                            .transpose(0, 2, 1, 3),
                    cs);
            NDArray k = rope(
                    matmulT(x, w, l + "self_attn.k_proj.weight")
                            .reshape(b, len, kvHeads, hd)
                            .transpose(0, 2, 1, 3),
                    cs);
            NDArray v = matmulT(x, w, l + "self_attn.v_proj.weight")
                    .reshape(b, len, kvHeads, hd)
                    .transpose(0, 2, 1, 3);
            if (kvHeads != heads) {
                // Grouped KV heads: query head h reads KV head h / (heads / kvHeads), as in the engine.
                k = k.repeat(1, heads / kvHeads);
                v = v.repeat(1, heads / kvHeads);
            }
            NDArray scores = q.mul(textScale).matMul(k.transpose(0, 1, 3, 2)).add(mask);
            NDArray probs = scores.softmax(-1);
            tap.scores(i, scores);
            NDArray attn = probs.matMul(v).transpose(0, 2, 1, 3).reshape(b, len, (long) heads * hd);
            h = h.add(matmulT(attn, w, l + "self_attn.o_proj.weight"));
            NDArray x2 = rmsNorm(h, w.get(l + "post_attention_layernorm.weight"));
            NDArray gate = matmulT(x2, w, l + "mlp.gate_proj.weight");
            NDArray mlp = gate.mul(Activation.sigmoid(gate)).mul(matmulT(x2, w, l + "mlp.up_proj.weight"));
            h = h.add(matmulT(mlp, w, l + "mlp.down_proj.weight"));
            tap.output(i, h);
        }
        long[] targetRows = text.targets().rows();
        NDArray rows = step.create(targetRows, new Shape(targetRows.length));
        NDArray picked = h.reshape((long) b * len, d).get(rows);
        NDArray head = t.tieWordEmbeddings() ? w.get(CanonicalNames.EMBED_TOKENS) : w.get(CanonicalNames.LM_HEAD);
        return rmsNorm(picked, w.get(CanonicalNames.FINAL_NORM)).matMul(head.transpose());
    }

    /** RoPE cos/sin {@code [B, 1, L, hd]} for the batch's positions (constants of the graph). */
    private NDArray[] ropeTables(int[] positions, int b, int len, NDManager step) {
        int hd = config.text().headDim();
        float[] c = new float[positions.length * hd];
        float[] s = new float[positions.length * hd];
        for (int i = 0; i < positions.length; i++) {
            System.arraycopy(rope[0], positions[i] * hd, c, i * hd, hd);
            System.arraycopy(rope[1], positions[i] * hd, s, i * hd, hd);
        }
        Shape shape = new Shape(b, 1, len, hd);
        return new NDArray[] {step.create(c, shape), step.create(s, shape)};
    }

    private static NDArray rope(NDArray x, NDArray[] cs) {
        long half = x.getShape().get(3) / 2;
        NDArray x1 = x.get(":, :, :, :" + half);
        NDArray x2 = x.get(":, :, :, " + half + ":");
        NDArray rotated = NDArrays.concat(new NDList(x2.neg(), x1), -1);
        return x.mul(cs[0]).add(rotated.mul(cs[1]));
    }

    private NDArray rmsNorm(NDArray x, NDArray weight) {
        NDArray meanSquare = x.square().mean(new int[] {-1}, true);
        return x.div(meanSquare.add(rmsEps).sqrt()).mul(weight);
    }

    private static NDArray layerNorm(NDArray x, Map<String, NDArray> w, String prefix, float eps) {
        Shape last = new Shape(x.getShape().get(x.getShape().dimension() - 1));
        return LayerNorm.layerNorm(x, last, w.get(prefix + "weight"), w.get(prefix + "bias"), eps)
                .singletonOrThrow();
    }

    private static NDArray linear(NDArray x, Map<String, NDArray> w, String prefix) {
        return x.matMul(w.get(prefix + "weight").transpose()).add(w.get(prefix + "bias"));
    }

    private static NDArray matmulT(NDArray x, Map<String, NDArray> w, String name) {
        return x.matMul(w.get(name).transpose());
    }
}
