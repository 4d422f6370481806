package org.transprune.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.norm.LayerNorm;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.transprune.checkpoint.CanonicalNames;
import org.transprune.config.LlavaConfig;
import org.transprune.config.TextConfig;
import org.transprune.config.VisionConfig;
import org.transprune.synth.PatchLabels;

/**
 * A LLaVA model as trainable parameters and a batched training forward that computes exactly what
 * the inference engine ({@code org.transprune.model}) computes: CLIP tower over 14 px patches with
 * pre-LN blocks and quick_gelu, features of the configured layer with CLS dropped, mlp2x_gelu
 * projector, LLaMA decoder (RMSNorm, RoPE in the rotate-half convention, SwiGLU). Parameters carry
 * the canonical checkpoint names and shapes ({@code [out, in]} matrices), so exporting is a copy.
 *
 * <p>Training-only: an auxiliary linear head on the tower's feature output predicts each patch's
 * shape kind, colour, row and column (it stands in for CLIP pretraining; the notes measured that
 * without it the model ignores the image); an anchor head on the same features marks each object's
 * centre patch, and two {@link NounProbe probes} read decoder rows (object nouns, the answer row).
 * Their parameters are named {@code aux.*} and are never exported.
 *
 * <p>DJL rules followed here (notes/djl-training.md): every constant of the graph is an NDArray
 * built once by {@code manager.full} and kept open (a Java number in an op corrupts gradients);
 * parameters are aliased into the step's manager before use, so no result lands in the long-lived
 * parameter manager; no in-place op touches the graph.
 */
public final class TrainableLlava implements AutoCloseable {
    /** Prefix of the training-only auxiliary patch head. */
    public static final String AUX = "aux.";
    /** Auxiliary head weight {@code [classes, visionHidden]} and bias. */
    public static final String AUX_WEIGHT = AUX + "patch_head.weight";

    public static final String AUX_BIAS = AUX + "patch_head.bias";
    /** The training-only {@link NounProbe} head {@code [probe classes, textHidden]} and bias. */
    public static final String PROBE_WEIGHT = AUX + "noun_probe.weight";

    public static final String PROBE_BIAS = AUX + "noun_probe.bias";
    /** The training-only answer probe ({@link NounProbe#answerTargets}) {@code [4 * grid, textHidden]} and bias. */
    public static final String ANSWER_PROBE_WEIGHT = AUX + "answer_probe.weight";

    public static final String ANSWER_PROBE_BIAS = AUX + "answer_probe.bias";
    /** The training-only anchor head on the tower {@code [2, visionHidden]} and bias (patch holds an object's centre). */
    public static final String ANCHOR_WEIGHT = AUX + "anchor_head.weight";

    public static final String ANCHOR_BIAS = AUX + "anchor_head.bias";

    private final LlavaConfig config;
    private final NDManager manager;
    /** Every parameter, canonical names first (in {@link CanonicalNames#shapes} order), then aux. */
    private final Map<String, NDArray> params = new LinkedHashMap<>();
    /** The subset that is trained (tensors the engine never runs are kept as initialised). */
    private final List<String> trainable = new ArrayList<>();

    private final NDArray quickGeluScale;
    private final NDArray rmsEps;
    private final NDArray visionScale;
    private final NDArray textScale;
    private final float[] ropeCos;
    private final float[] ropeSin;

    /**
     * Builds a model of {@code config} with seeded initial weights: matrices and embeddings
     * N(0, 0.02) (output projections of residual branches scaled by 1/sqrt(2 * blocks), as GPT-2
     * does, so that deep stacks start near the identity), biases 0, norm gains 1.
     */
    public TrainableLlava(LlavaConfig config, NDManager parent, long seed) {
        if (!"mlp2x_gelu".equals(config.projectorType())) {
            throw new IllegalArgumentException("the trainer builds mlp2x_gelu projectors only");
        }
        this.config = config;
        this.manager = parent.newSubManager();
        SplittableRandom random = new SplittableRandom(seed);
        Map<String, long[]> shapes = new LinkedHashMap<>(CanonicalNames.shapes(config));
        shapes.put(AUX_WEIGHT, new long[] {auxClasses(config), config.vision().hiddenSize()});
        shapes.put(AUX_BIAS, new long[] {auxClasses(config)});
        // Last, so adding it left the seeded initial values of every earlier tensor unchanged.
        shapes.put(PROBE_WEIGHT, new long[] {
            NounProbe.classes(config.vision().gridSize()), config.text().hiddenSize()
        });
        shapes.put(PROBE_BIAS, new long[] {NounProbe.classes(config.vision().gridSize())});
        shapes.put(ANCHOR_WEIGHT, new long[] {2, config.vision().hiddenSize()});
        shapes.put(ANCHOR_BIAS, new long[] {2});
        shapes.put(ANSWER_PROBE_WEIGHT, new long[] {
            NounProbe.answerClasses(config.vision().gridSize()), config.text().hiddenSize()
        });
        shapes.put(
                ANSWER_PROBE_BIAS,
                new long[] {NounProbe.answerClasses(config.vision().gridSize())});
        for (Map.Entry<String, long[]> e : shapes.entrySet()) {
            String name = e.getKey();
            float[] v = initial(name, e.getValue(), random);
            NDArray p = manager.create(v, new Shape(e.getValue()));
            params.put(name, p);
            if (!CanonicalNames.optional(name, config)) {
                trainable.add(name);
                p.setRequiresGradient(true);
            }
        }
        quickGeluScale = constant(1.702f);
        rmsEps = constant((float) config.text().rmsNormEps());
        visionScale = constant((float)
                (1.0 / Math.sqrt(config.vision().hiddenSize() / config.vision().numHeads())));
        textScale = constant((float) (1.0 / Math.sqrt(config.text().headDim())));
        TextConfig t = config.text();
        int hd = t.headDim();
        int half = hd / 2;
        ropeCos = new float[t.maxPositionEmbeddings() * hd];
        ropeSin = new float[t.maxPositionEmbeddings() * hd];
        for (int i = 0; i < half; i++) {
            // The engine's Rope tables, value for value: inv_freq = 1 / theta^(2i / head_dim).
            double invFreq = 1.0 / Math.pow(t.ropeTheta(), (2.0 * i) / hd);
            for (int p = 0; p < t.maxPositionEmbeddings(); p++) {
                double angle = p * invFreq;
                float c = (float) Math.cos(angle);
                float s = (float) Math.sin(angle);
                ropeCos[p * hd + i] = c;
                ropeCos[p * hd + i + half] = c;
                ropeSin[p * hd + i] = s;
                ropeSin[p * hd + i + half] = s;
            }
        }
    }

    /** Output classes of the auxiliary head: kind, colour, row, column (each with its own softmax). */
    public static int auxClasses(LlavaConfig config) {
        int grid = config.vision().gridSize();
        return PatchLabels.KIND_CLASSES + PatchLabels.COLOR_CLASSES + 2 * grid;
    }

    private NDArray constant(float value) {
        return manager.full(new Shape(), value, DataType.FLOAT32);
    }

    private float[] initial(String name, long[] shape, SplittableRandom random) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        float[] v = new float[Math.toIntExact(n)];
        boolean gain = name.endsWith("norm.weight")
                || name.matches(".*layer_?norm\\d?\\.weight")
                || name.endsWith("pre_layrnorm.weight");
        if (gain) {
            java.util.Arrays.fill(v, 1f);
            return v;
        }
        if (name.endsWith(".bias")) {
            return v;
        }
        double std = 0.02;
        if (name.endsWith("o_proj.weight") || name.endsWith("down_proj.weight")) {
            std /= Math.sqrt(2.0 * config.text().numLayers());
        } else if (name.endsWith("out_proj.weight") || name.endsWith("fc2.weight")) {
            std /= Math.sqrt(2.0 * config.vision().numLayers());
        }
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (std * random.nextGaussian());
        }
        return v;
    }

    public LlavaConfig config() {
        return config;
    }

    /** Names of the trained parameters, in a fixed order. */
    public List<String> trainableNames() {
        return Collections.unmodifiableList(trainable);
    }

    /** Every parameter name (exported ones and aux), in a fixed order. */
    public List<String> names() {
        return List.copyOf(params.keySet());
    }

    /** The parameter array itself (long-lived; do not close). */
    public NDArray parameter(String name) {
        NDArray p = params.get(name);
        if (p == null) {
            throw new IllegalArgumentException("no parameter '" + name + "'");
        }
        return p;
    }

    /** The long-lived manager that owns parameters and graph constants. */
    public NDManager manager() {
        return manager;
    }

    /** Values of a parameter, copied to the heap. */
    public float[] values(String name) {
        return parameter(name).toFloatArray();
    }

    /** Overwrites a parameter's values (shape unchanged); used when resuming. */
    public void setValues(String name, float[] values) {
        NDArray p = parameter(name);
        if (values.length != p.size()) {
            throw new IllegalArgumentException(
                    "parameter '" + name + "' has " + p.size() + " values, got " + values.length);
        }
        p.set(java.nio.FloatBuffer.wrap(values));
    }

    /** Shape of a parameter. */
    public long[] shape(String name) {
        return parameter(name).getShape().getShape();
    }

    /** What one training forward produced, all in the step's manager. */
    public record Output(
            NDArray answerLoss,
            NDArray patchLoss,
            NDArray targetLogits,
            NDArray patchLogits,
            NDArray attentionLoss,
            NDArray probeLoss) {}

    /**
     * Runs the batch: the tower (always), the auxiliary patch head, and the decoder unless the batch
     * has no text (stage A trains the tower alone).
     *
     * @param step the step's manager; everything created here belongs to it
     */
    public Output forward(PackedBatch batch, NDManager step) {
        Map<String, NDArray> w = aliases(step);
        NDArray features = vision(w, batch, step);
        NDArray patchLogits = null;
        NDArray patchLoss = null;
        if (batch.patchTargets() != null) {
            patchLogits = features.matMul(w.get(AUX_WEIGHT).transpose()).add(w.get(AUX_BIAS));
            patchLoss = patchLoss(patchLogits, batch, step);
        }
        if (batch.anchorTargets() != null) {
            // RMS-normalised: the tower's residual stream is large, and a fresh head on it starts far off.
            NDArray anchorLogits = normalised(features)
                    .matMul(w.get(ANCHOR_WEIGHT).transpose())
                    .add(w.get(ANCHOR_BIAS));
            NDArray anchorLoss = groupedCrossEntropy(
                    anchorLogits, new int[] {2}, step.create(batch.anchorTargets(), anchorLogits.getShape()));
            patchLoss = patchLoss == null ? anchorLoss : patchLoss.add(anchorLoss);
        }
        NDArray answerLoss = null;
        NDArray targetLogits = null;
        NDArray[] attentionLoss = new NDArray[2];
        if (batch.hasText()) {
            NDArray image = projector(w, features);
            targetLogits = decoder(w, image, batch, step, attentionLoss);
            NDArray weights = step.create(batch.targetWeights(), new Shape(batch.targetCount(), vocab()));
            answerLoss = targetLogits.logSoftmax(-1).mul(weights).sum().neg();
        }
        return new Output(answerLoss, patchLoss, targetLogits, patchLogits, attentionLoss[0], attentionLoss[1]);
    }

    private int vocab() {
        return config.text().vocabSize();
    }

    /**
     * Step-owned aliases of every parameter: ops with a parameter as receiver would otherwise leave
     * their results in the long-lived manager (notes, pitfall 2). A reshape to the same shape is a
     * view, so gradients still reach the parameter.
     */
    private Map<String, NDArray> aliases(NDManager step) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        for (Map.Entry<String, NDArray> e : params.entrySet()) {
            NDArray alias = e.getValue().reshape(e.getValue().getShape());
            alias.attach(step);
            out.put(e.getKey(), alias);
        }
        return out;
    }

    /** Tower features {@code [B, patches, visionHidden]} of the configured feature layer, CLS dropped. */
    private NDArray vision(Map<String, NDArray> w, PackedBatch batch, NDManager step) {
        VisionConfig vc = config.vision();
        int b = batch.images();
        int s = vc.imageSize();
        int p = vc.patchSize();
        int g = vc.gridSize();
        int d = vc.hiddenSize();
        NDArray pixels = step.create(batch.pixels(), new Shape(b, 3, s, s));
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

    private NDArray projector(Map<String, NDArray> w, NDArray features) {
        NDArray h = Activation.gelu(linear(features, w, CanonicalNames.PROJECTOR_1));
        return linear(h, w, CanonicalNames.PROJECTOR_2);
    }

    /**
     * Logits {@code [targets, vocab]} at the batch's target rows; with attention supervision in the
     * batch (noun attention, answer routing), their summed loss goes to {@code auxLosses[0]}, with
     * noun-probe rows the probe's to {@code auxLosses[1]}.
     */
    private NDArray decoder(
            Map<String, NDArray> w, NDArray image, PackedBatch batch, NDManager step, NDArray[] auxLosses) {
        TextConfig t = config.text();
        int b = batch.images();
        int len = batch.length();
        int d = t.hiddenSize();
        int heads = t.numHeads();
        int kvHeads = t.numKeyValueHeads();
        int hd = t.headDim();
        int start = batch.imageStart();
        int n = batch.imageLength();
        NDArray ids = step.create(batch.ids(), new Shape((long) b * len));
        NDArray embedded = w.get(CanonicalNames.EMBED_TOKENS).get(ids).reshape(b, len, d);
        NDArray h = NDArrays.concat(
                new NDList(embedded.get(":, :" + start + ", :"), image, embedded.get(":, " + (start + n) + ":, :")), 1);
        NDArray mask = step.create(batch.mask(), new Shape(b, 1, len, len));
        NDArray[] cs = ropeTables(batch, step);
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
            if (i == batch.attentionLayer() && batch.attentionRows() != null) {
                auxLosses[0] =
                        add(auxLosses[0], attentionLoss(scores, batch.attentionRows(), batch.attentionWeights(), step));
            }
            if (i == batch.routeLayer() && batch.routeRows() != null) {
                auxLosses[0] = add(auxLosses[0], attentionLoss(scores, batch.routeRows(), batch.routeWeights(), step));
            }
            NDArray attn = probs.matMul(v).transpose(0, 2, 1, 3).reshape(b, len, (long) heads * hd);
            h = h.add(matmulT(attn, w, l + "self_attn.o_proj.weight"));
            NDArray x2 = rmsNorm(h, w.get(l + "post_attention_layernorm.weight"));
            NDArray gate = matmulT(x2, w, l + "mlp.gate_proj.weight");
            NDArray mlp = gate.mul(Activation.sigmoid(gate)).mul(matmulT(x2, w, l + "mlp.up_proj.weight"));
            h = h.add(matmulT(mlp, w, l + "mlp.down_proj.weight"));
            if (i == batch.attentionLayer() && batch.probeRows() != null) {
                auxLosses[1] = add(
                        auxLosses[1],
                        probeLoss(
                                w,
                                h,
                                batch,
                                step,
                                batch.probeRows(),
                                batch.probeWeights(),
                                PROBE_WEIGHT,
                                PROBE_BIAS,
                                NounProbe.groups(config.vision().gridSize())));
            }
            if (i == batch.routeLayer() && batch.answerProbeRows() != null) {
                auxLosses[1] = add(
                        auxLosses[1],
                        probeLoss(
                                w,
                                h,
                                batch,
                                step,
                                batch.answerProbeRows(),
                                batch.answerProbeWeights(),
                                ANSWER_PROBE_WEIGHT,
                                ANSWER_PROBE_BIAS,
                                NounProbe.answerGroups(config.vision().gridSize())));
            }
        }
        NDArray rows = step.create(batch.targetRows(), new Shape(batch.targetCount()));
        NDArray picked = h.reshape((long) b * len, d).get(rows);
        NDArray head = t.tieWordEmbeddings() ? w.get(CanonicalNames.EMBED_TOKENS) : w.get(CanonicalNames.LM_HEAD);
        return rmsNorm(picked, w.get(CanonicalNames.FINAL_NORM)).matMul(head.transpose());
    }

    /**
     * Cross-entropy of the supervised attention rows ({@code rows}: flat {@code (b * heads + head) * L + r})
     * against {@code weights} {@code [rows, L]}, from the pre-softmax {@code scores [B, heads, L, L]}.
     */
    private static NDArray attentionLoss(NDArray scores, long[] rows, float[] weights, NDManager step) {
        long len = scores.getShape().get(3);
        NDArray picked = scores.reshape(scores.size() / len, len).get(step.create(rows, new Shape(rows.length)));
        NDArray target = step.create(weights, new Shape(rows.length, len));
        return picked.logSoftmax(-1).mul(target).sum().neg();
    }

    private static NDArray add(NDArray sum, NDArray term) {
        return sum == null ? term : sum.add(term);
    }

    /**
     * A probe's loss ({@link NounProbe}: noun probe or answer probe): the probe rows of the residual
     * stream, RMS-normalised (no gain), through the linear head {@code weightName}; cross-entropy of
     * each softmax group against the batch's weights.
     */
    private NDArray probeLoss(
            Map<String, NDArray> w,
            NDArray h,
            PackedBatch batch,
            NDManager step,
            long[] rowIndex,
            float[] weights,
            String weightName,
            String biasName,
            int[] groups) {
        int d = config.text().hiddenSize();
        NDArray x = h.reshape((long) batch.images() * batch.length(), d)
                .get(step.create(rowIndex, new Shape(rowIndex.length)));
        NDArray logits = normalised(x).matMul(w.get(weightName).transpose()).add(w.get(biasName));
        return groupedCrossEntropy(logits, groups, step.create(weights, logits.getShape()));
    }

    /** {@code x} divided by its root mean square over the last axis (RMSNorm without a gain). */
    private NDArray normalised(NDArray x) {
        return x.div(x.square().mean(new int[] {-1}, true).add(rmsEps).sqrt());
    }

    /** Sum over groups of softmax(logits of the group) log-likelihood times {@code weights}, negated. */
    private static NDArray groupedCrossEntropy(NDArray logits, int[] sizes, NDArray weights) {
        long rank = logits.getShape().dimension();
        String lead = ":, ".repeat((int) rank - 1);
        List<NDArray> parts = new ArrayList<>();
        int from = 0;
        for (int size : sizes) {
            parts.add(logits.get(lead + from + ":" + (from + size)).logSoftmax(-1));
            from += size;
        }
        // DJL's concat of a one-array list returns it detached from the graph (no gradient, measured).
        NDArray all = parts.size() == 1 ? parts.get(0) : NDArrays.concat(new NDList(parts), -1);
        return all.mul(weights).sum().neg();
    }

    /** RoPE cos/sin {@code [B, 1, L, hd]} for the batch's positions (constants of the graph). */
    private NDArray[] ropeTables(PackedBatch batch, NDManager step) {
        int hd = config.text().headDim();
        int[] pos = batch.positions();
        float[] c = new float[pos.length * hd];
        float[] s = new float[pos.length * hd];
        for (int i = 0; i < pos.length; i++) {
            System.arraycopy(ropeCos, pos[i] * hd, c, i * hd, hd);
            System.arraycopy(ropeSin, pos[i] * hd, s, i * hd, hd);
        }
        Shape shape = new Shape(batch.images(), 1, batch.length(), hd);
        return new NDArray[] {step.create(c, shape), step.create(s, shape)};
    }

    private NDArray rope(NDArray x, NDArray[] cs) {
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

    /**
     * Mean cross-entropy of the four per-patch softmaxes (kind, colour, row, column), weighted by
     * the batch's constant one-hot weights.
     */
    private NDArray patchLoss(NDArray logits, PackedBatch batch, NDManager step) {
        int grid = config.vision().gridSize();
        int[] sizes = {PatchLabels.KIND_CLASSES, PatchLabels.COLOR_CLASSES, grid, grid};
        return groupedCrossEntropy(logits, sizes, step.create(batch.patchTargets(), logits.getShape()));
    }

    @Override
    public void close() {
        manager.close();
    }
}
