package org.transprune.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.transprune.checkpoint.CanonicalNames;
import org.transprune.config.LlavaConfig;

/**
 * A LLaVA model as trainable parameters, run by the LLaVA forward ({@link LlavaForward}, exactly the
 * engine's computation) with the training-only heads that supervise it ({@link TrainingHeads}).
 * Parameters carry the canonical checkpoint names and shapes ({@code [out, in]} matrices), so
 * exporting is a copy; the heads' parameters are named {@value TrainingHeads#PREFIX}* and never exported.
 *
 * <p>Parameters are aliased into the step's manager before use, so no result of a step lands in the
 * long-lived parameter manager (docs/djl-notes.md#pitfall-2).
 */
public final class TrainableLlava implements AutoCloseable {
    private final LlavaConfig config;
    private final NDManager manager;
    /** Every parameter, canonical names first (in {@link CanonicalNames#shapes} order), then the heads'. */
    private final Map<String, NDArray> params = new LinkedHashMap<>();
    /** The subset that is trained (tensors the engine never runs are kept as initialised). */
    private final List<String> trainable = new ArrayList<>();

    private final LlavaForward llava;
    private final TrainingHeads heads;

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
        shapes.putAll(TrainingHeads.shapes(config));
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
        llava = new LlavaForward(config, manager);
        heads = new TrainingHeads(config, manager);
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
            Arrays.fill(v, 1f);
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
        p.set(FloatBuffer.wrap(values));
    }

    /** Shape of a parameter. */
    public long[] shape(String name) {
        return parameter(name).getShape().getShape();
    }
    /**
     * What one training forward produced, all in the step's manager; a loss is null when the batch
     * does not train it.
     *
     * @param answerLoss mean cross-entropy of the answer tokens
     * @param patchLoss the tower heads' loss (patch and anchor heads)
     * @param targetLogits {@code [targets, vocab]} logits at the target rows
     * @param attentionLoss the attention supervision's loss (object nouns, answer rows)
     * @param probeLoss the noun and answer probes' loss
     */
    public record Output(
            NDArray answerLoss, NDArray patchLoss, NDArray targetLogits, NDArray attentionLoss, NDArray probeLoss) {
        /** The loss trained on: answer and tower heads, then attention supervision, then probes. */
        public NDArray total() {
            NDArray loss;
            if (answerLoss == null) {
                loss = patchLoss;
            } else {
                loss = patchLoss == null ? answerLoss : answerLoss.add(patchLoss);
            }
            if (attentionLoss != null) {
                loss = loss.add(attentionLoss);
            }
            if (probeLoss != null) {
                loss = loss.add(probeLoss);
            }
            return loss;
        }
    }

    /**
     * Runs the batch: the tower and its heads (always), then projector and decoder with the
     * decoder-side supervision unless the batch has no text (stage A trains the tower alone).
     *
     * @param step the step's manager; everything created here belongs to it
     */
    public Output forward(PackedBatch batch, NDManager step) {
        Map<String, NDArray> w = aliases(step);
        NDArray features = llava.vision(w, batch.images(), step);
        NDArray patchLoss = heads.towerLoss(w, baseViews(features, batch.images()), batch.images(), step);
        if (!batch.hasText()) {
            return new Output(null, patchLoss, null, null, null);
        }
        TrainingHeads.DecoderLosses supervision = heads.decoderLosses(w, batch, step);
        NDArray image = image(w, features, batch.images(), step);
        NDArray targetLogits = llava.decoder(w, image, batch.text(), step, supervision);
        int vocab = config.text().vocabSize();
        NDArray weights = step.create(batch.text().targets().weights(), new Shape(batch.targetCount(), vocab));
        NDArray answerLoss = targetLogits.logSoftmax(-1).mul(weights).sum().neg();
        return new Output(answerLoss, patchLoss, targetLogits, supervision.attention(), supervision.probe());
    }

    /** The image block {@code [B, N, textHidden]} from the tower's features of every view. */
    private NDArray image(Map<String, NDArray> w, NDArray features, PackedBatch.Images images, NDManager step) {
        NDArray projected = llava.projector(w, features);
        return images.arrangement() == null ? projected : llava.arrange(w, projected, images, step);
    }

    /** The base view's features {@code [B, patches, d]} of each image (all of them for a single view). */
    private static NDArray baseViews(NDArray features, PackedBatch.Images images) {
        if (images.views() == 1) {
            return features;
        }
        Shape s = features.getShape();
        return features.reshape(images.count(), images.views(), s.get(1), s.get(2))
                .get(":, 0, :, :");
    }

    /**
     * The image embeddings the decoder receives for these images, {@code [B, N, textHidden]}: the
     * tower, the projector and, for AnyRes, the arrangement of views, grid rows and newlines.
     */
    public NDArray imageEmbeddings(PackedBatch.Images images, NDManager step) {
        Map<String, NDArray> w = aliases(step);
        return image(w, llava.vision(w, images, step), images, step);
    }

    /**
     * Step-owned aliases of every parameter: ops with a parameter as receiver would otherwise leave
     * their results in the long-lived manager. A reshape to the same shape is a view, so gradients
     * still reach the parameter.
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

    @Override
    public void close() {
        manager.close();
    }
}
