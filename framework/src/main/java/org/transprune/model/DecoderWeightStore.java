package org.transprune.model;

import org.transprune.checkpoint.CanonicalNames;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.concurrent.atomic.AtomicInteger;
import org.transprune.checkpoint.TensorSource;

/**
 * Supplies each decoder layer's fp32 weights under a {@link WeightPolicy}. Under {@code FP32} all
 * layers are widened once and stay resident; under {@code HALF} a layer is widened from the
 * memory-mapped checkpoint when it is about to run and released when its {@link Layer} closes.
 * The store counts how many widened layers are alive at once, so tests can check the policy
 * through the engine's own accounting.
 */
final class DecoderWeightStore implements AutoCloseable {
    private final TextConfig config;
    private final TensorSource source;
    private final WeightPolicy policy;
    private final DecoderLayerWeights[] resident;
    private final AtomicInteger live = new AtomicInteger();
    private final AtomicInteger peakLive = new AtomicInteger();

    /** A layer's weights for one use; close it when the layer has run. */
    final class Layer implements AutoCloseable {
        final DecoderLayerWeights weights;
        private final NDManager scratch;

        private Layer(DecoderLayerWeights weights, NDManager scratch) {
            this.weights = weights;
            this.scratch = scratch;
        }

        @Override
        public void close() {
            if (scratch != null) {
                scratch.close();
                live.decrementAndGet();
            }
        }
    }

    DecoderWeightStore(TextConfig config, TensorSource source, WeightPolicy policy, NDManager manager) {
        if (policy == WeightPolicy.AUTO) {
            throw new IllegalArgumentException("resolve AUTO before building the store");
        }
        this.config = config;
        this.source = source;
        this.policy = policy;
        this.resident = new DecoderLayerWeights[config.numLayers()];
        for (int i = 0; i < config.numLayers(); i++) {
            if (policy == WeightPolicy.FP32) {
                resident[i] = widen(i, manager);
            } else {
                checkShapes(i);
            }
        }
    }

    WeightPolicy policy() {
        return policy;
    }

    /** Weights of layer {@code i} (0-based); widened into a child of {@code parent} under HALF. */
    Layer layer(int i, NDManager parent) {
        if (resident[i] != null) {
            return new Layer(resident[i], null);
        }
        NDManager scratch = parent.newSubManager();
        int now = live.incrementAndGet();
        peakLive.accumulateAndGet(now, Math::max);
        return new Layer(widen(i, scratch), scratch);
    }

    /** Widened layers alive right now (always 0 under FP32, which keeps its own). */
    int liveWidenedLayers() {
        return live.get();
    }

    /** The most widened layers that were ever alive at the same time. */
    int peakWidenedLayers() {
        return peakLive.get();
    }

    private DecoderLayerWeights widen(int i, NDManager m) {
        String p = CanonicalNames.decoderLayer(i);
        int d = config.hiddenSize();
        int qOut = config.numHeads() * config.headDim();
        int kvOut = config.numKeyValueHeads() * config.headDim();
        int ff = config.intermediateSize();
        return new DecoderLayerWeights(
                source.fp32(p + "input_layernorm.weight", m, d),
                source.fp32(p + "self_attn.q_proj.weight", m, qOut, d).transpose(),
                source.fp32(p + "self_attn.k_proj.weight", m, kvOut, d).transpose(),
                source.fp32(p + "self_attn.v_proj.weight", m, kvOut, d).transpose(),
                source.fp32(p + "self_attn.o_proj.weight", m, d, qOut).transpose(),
                source.fp32(p + "post_attention_layernorm.weight", m, d),
                source.fp32(p + "mlp.gate_proj.weight", m, ff, d).transpose(),
                source.fp32(p + "mlp.up_proj.weight", m, ff, d).transpose(),
                source.fp32(p + "mlp.down_proj.weight", m, d, ff).transpose());
    }

    /** Under HALF nothing is widened at load, so shapes are checked up front instead. */
    private void checkShapes(int i) {
        String p = CanonicalNames.decoderLayer(i);
        int d = config.hiddenSize();
        int qOut = config.numHeads() * config.headDim();
        int kvOut = config.numKeyValueHeads() * config.headDim();
        int ff = config.intermediateSize();
        expect(p + "input_layernorm.weight", d);
        expect(p + "self_attn.q_proj.weight", qOut, d);
        expect(p + "self_attn.k_proj.weight", kvOut, d);
        expect(p + "self_attn.v_proj.weight", kvOut, d);
        expect(p + "self_attn.o_proj.weight", d, qOut);
        expect(p + "post_attention_layernorm.weight", d);
        expect(p + "mlp.gate_proj.weight", ff, d);
        expect(p + "mlp.up_proj.weight", ff, d);
        expect(p + "mlp.down_proj.weight", d, ff);
    }

    private void expect(String name, long... shape) {
        long[] found = source.info(name).shape();
        if (!java.util.Arrays.equals(found, shape)) {
            throw new org.transprune.checkpoint.CheckpointException(source.describe() + ": tensor '" + name
                    + "' has shape " + java.util.Arrays.toString(found) + ", expected " + java.util.Arrays.toString(shape));
        }
    }

    @Override
    public void close() {
        // resident arrays belong to the model's manager, which closes them
    }

    NDArray[] residentArrays(int i) {
        return resident[i] == null ? new NDArray[0] : resident[i].all();
    }
}
