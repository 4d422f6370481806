package org.transprune.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.transprune.config.LlavaConfig;
import org.transprune.synth.PatchLabels;

/**
 * The training-only heads and supervision that train the LLaVA forward ({@link LlavaForward}) and
 * are never exported (parameters named {@value #PREFIX}*):
 * <ul>
 *   <li>the patch head on the tower's features predicts each patch's shape kind, colour, row and
 *       column (it stands in for CLIP pretraining; without it the model ignores the image, see
 *       docs/djl-notes.md, the micro model);</li>
 *   <li>the anchor head on the same features marks each object's centre patch;</li>
 *   <li>the {@link NounProbe noun probe} and the answer probe read decoder rows;</li>
 *   <li>attention supervision of object nouns and answer rows (no parameters).</li>
 * </ul>
 */
public final class TrainingHeads {
    /** Prefix of every training-only parameter. */
    public static final String PREFIX = "aux.";
    /** Patch head weight {@code [patch classes, visionHidden]} and bias. */
    public static final String PATCH_WEIGHT = PREFIX + "patch_head.weight";

    public static final String PATCH_BIAS = PREFIX + "patch_head.bias";
    /** The {@link NounProbe} head {@code [probe classes, textHidden]} and bias. */
    public static final String PROBE_WEIGHT = PREFIX + "noun_probe.weight";

    public static final String PROBE_BIAS = PREFIX + "noun_probe.bias";
    /** The answer probe ({@link NounProbe#answerTargets}) {@code [4 * grid, textHidden]} and bias. */
    public static final String ANSWER_PROBE_WEIGHT = PREFIX + "answer_probe.weight";

    public static final String ANSWER_PROBE_BIAS = PREFIX + "answer_probe.bias";
    /** The anchor head on the tower {@code [2, visionHidden]} and bias (patch holds an object's centre). */
    public static final String ANCHOR_WEIGHT = PREFIX + "anchor_head.weight";

    public static final String ANCHOR_BIAS = PREFIX + "anchor_head.bias";

    private final LlavaConfig config;
    private final NDArray rmsEps;

    /** @param manager the long-lived manager that owns the heads' graph constants */
    TrainingHeads(LlavaConfig config, NDManager manager) {
        this.config = config;
        this.rmsEps = LlavaForward.constant(manager, (float) config.text().rmsNormEps());
    }

    /**
     * Shapes of the heads' parameters, in the order their seeded initial values are drawn (after the
     * canonical tensors'); each head was appended when it was added, leaving earlier values unchanged.
     */
    static Map<String, long[]> shapes(LlavaConfig config) {
        int grid = config.vision().gridSize();
        int vision = config.vision().hiddenSize();
        int text = config.text().hiddenSize();
        Map<String, long[]> shapes = new LinkedHashMap<>();
        shapes.put(PATCH_WEIGHT, new long[] {patchClasses(config), vision});
        shapes.put(PATCH_BIAS, new long[] {patchClasses(config)});
        shapes.put(PROBE_WEIGHT, new long[] {NounProbe.classes(grid), text});
        shapes.put(PROBE_BIAS, new long[] {NounProbe.classes(grid)});
        shapes.put(ANCHOR_WEIGHT, new long[] {2, vision});
        shapes.put(ANCHOR_BIAS, new long[] {2});
        shapes.put(ANSWER_PROBE_WEIGHT, new long[] {NounProbe.answerClasses(grid), text});
        shapes.put(ANSWER_PROBE_BIAS, new long[] {NounProbe.answerClasses(grid)});
        return shapes;
    }

    /** Output classes of the patch head: kind, colour, row, column (each with its own softmax). */
    public static int patchClasses(LlavaConfig config) {
        int grid = config.vision().gridSize();
        return PatchLabels.KIND_CLASSES + PatchLabels.COLOR_CLASSES + 2 * grid;
    }

    /**
     * The tower heads' loss on {@code features [B, patches, visionHidden]}: the patch head's four
     * per-patch cross-entropies plus the anchor head's; null when the batch trains neither.
     */
    NDArray towerLoss(Map<String, NDArray> w, NDArray features, PackedBatch.Images images, NDManager step) {
        NDArray loss = null;
        if (images.patchTargets() != null) {
            NDArray logits = features.matMul(w.get(PATCH_WEIGHT).transpose()).add(w.get(PATCH_BIAS));
            int grid = config.vision().gridSize();
            int[] sizes = {PatchLabels.KIND_CLASSES, PatchLabels.COLOR_CLASSES, grid, grid};
            loss = groupedCrossEntropy(logits, sizes, step.create(images.patchTargets(), logits.getShape()));
        }
        if (images.anchorTargets() != null) {
            // RMS-normalised: the tower's residual stream is large, and a fresh head on it starts far off.
            NDArray logits = normalised(features)
                    .matMul(w.get(ANCHOR_WEIGHT).transpose())
                    .add(w.get(ANCHOR_BIAS));
            NDArray anchor =
                    groupedCrossEntropy(logits, new int[] {2}, step.create(images.anchorTargets(), logits.getShape()));
            loss = loss == null ? anchor : loss.add(anchor);
        }
        return loss;
    }

    /** Collects the decoder-side losses of one batch while the decoder runs. */
    DecoderLosses decoderLosses(Map<String, NDArray> w, PackedBatch batch, NDManager step) {
        return new DecoderLosses(w, batch, step);
    }

    /** The attention supervision's and the probes' losses of one batch, summed as the layers pass. */
    final class DecoderLosses implements LlavaForward.LayerTap {
        private final Map<String, NDArray> w;
        private final PackedBatch batch;
        private final NDManager step;
        private NDArray attention;
        private NDArray probe;

        private DecoderLosses(Map<String, NDArray> w, PackedBatch batch, NDManager step) {
            this.w = w;
            this.batch = batch;
            this.step = step;
        }

        @Override
        public void scores(int layer, NDArray scores) {
            if (at(batch.attention(), layer)) {
                attention = add(attention, attentionLoss(scores, batch.attention()));
            }
            if (at(batch.route(), layer)) {
                attention = add(attention, attentionLoss(scores, batch.route()));
            }
        }

        @Override
        public void output(int layer, NDArray hidden) {
            int grid = config.vision().gridSize();
            if (at(batch.nounProbe(), layer)) {
                probe = add(
                        probe, probeLoss(hidden, batch.nounProbe(), PROBE_WEIGHT, PROBE_BIAS, NounProbe.groups(grid)));
            }
            if (at(batch.answerProbe(), layer)) {
                probe = add(
                        probe,
                        probeLoss(
                                hidden,
                                batch.answerProbe(),
                                ANSWER_PROBE_WEIGHT,
                                ANSWER_PROBE_BIAS,
                                NounProbe.answerGroups(grid)));
            }
        }

        /** Summed attention supervision (noun attention, answer routing), or null without it. */
        NDArray attention() {
            return attention;
        }

        /** Summed probe losses (noun probe, answer probe), or null without probes. */
        NDArray probe() {
            return probe;
        }

        /**
         * Cross-entropy of the supervised attention rows against their target distributions, from the
         * pre-softmax {@code scores [B, heads, L, L]}.
         */
        private NDArray attentionLoss(NDArray scores, PackedBatch.Rows rows) {
            long len = scores.getShape().get(3);
            long[] index = rows.rows();
            NDArray picked = scores.reshape(scores.size() / len, len).get(step.create(index, new Shape(index.length)));
            NDArray target = step.create(rows.weights(), new Shape(index.length, len));
            return picked.logSoftmax(-1).mul(target).sum().neg();
        }

        /**
         * A probe's loss: the probe rows of the residual stream, RMS-normalised (no gain), through the
         * linear head {@code weightName}; cross-entropy of each softmax group against the rows' weights.
         */
        private NDArray probeLoss(NDArray h, PackedBatch.Rows rows, String weightName, String biasName, int[] groups) {
            int d = config.text().hiddenSize();
            long[] index = rows.rows();
            NDArray x = h.reshape((long) batch.imageCount() * batch.text().length(), d)
                    .get(step.create(index, new Shape(index.length)));
            NDArray logits = normalised(x).matMul(w.get(weightName).transpose()).add(w.get(biasName));
            return groupedCrossEntropy(logits, groups, step.create(rows.weights(), logits.getShape()));
        }
    }

    private static boolean at(PackedBatch.Rows rows, int layer) {
        return rows != null && rows.layer() == layer;
    }

    private static NDArray add(NDArray sum, NDArray term) {
        return sum == null ? term : sum.add(term);
    }

    /** {@code x} divided by its root mean square over the last axis (RMSNorm without a gain). */
    private NDArray normalised(NDArray x) {
        return x.div(x.square().mean(new int[] {-1}, true).add(rmsEps).sqrt());
    }

    /** Sum over groups of softmax(logits of the group) log-likelihood times {@code weights}, negated. */
    static NDArray groupedCrossEntropy(NDArray logits, int[] sizes, NDArray weights) {
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
}
