package org.transprune.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.atomic.AtomicInteger;
import org.transprune.checkpoint.CanonicalNames;
import org.transprune.checkpoint.TensorSource;
import org.transprune.checkpoint.TensorType;
import org.transprune.checkpoint.Widening;
import org.transprune.config.TextConfig;

/**
 * Supplies each decoder layer's fp32 weights under a {@link WeightPolicy}. Under {@code FP32} all
 * layers are widened once and stay resident; under {@code HALF} a layer is widened from the
 * memory-mapped checkpoint when it is about to run and released when its {@link Layer} closes,
 * except the last {@code residentLayers}, which are widened once at load like under FP32.
 * The store counts how many widened layers are alive at once, so tests can check the policy
 * through the engine's own accounting.
 *
 * <p>Half-precision layers are widened in Java into a small pool of direct buffers (at most
 * {@value #POOLED_LAYERS} layers' worth), reused layer after layer: no allocation, no page faults,
 * no reliance on the garbage collector to free 800 MB per 7B layer.
 */
final class DecoderWeightStore implements AutoCloseable {
    private final TextConfig config;
    private final TensorSource source;
    private final WeightPolicy policy;
    private final DecoderLayerWeights[] resident;
    private final AtomicInteger live = new AtomicInteger();
    private final AtomicInteger peakLive = new AtomicInteger();
    /** Buffer sets kept for reuse; one layer in use plus one spare covers a forward pass. */
    static final int POOLED_LAYERS = 2;

    private final Deque<ByteBuffer[]> pool = new ArrayDeque<>();
    private final int residentLayers;
    private long widenNanos;
    private int allocatedBufferSets;
    private long widenings;

    /** A layer's weights for one use; close it when the layer has run. */
    final class Layer implements AutoCloseable {
        final DecoderLayerWeights weights;
        private final NDManager scratch;
        private final ByteBuffer[] buffers;

        private Layer(DecoderLayerWeights weights, NDManager scratch, ByteBuffer[] buffers) {
            this.weights = weights;
            this.scratch = scratch;
            this.buffers = buffers;
        }

        @Override
        public void close() {
            if (scratch != null) {
                // The arrays share the buffers' memory: close them before the buffers are reused.
                scratch.close();
                release(buffers);
                live.decrementAndGet();
            }
        }
    }

    /**
     * @param residentLayers under HALF, how many of the last layers to keep widened for good (0 to
     *     {@code numLayers}); ignored under FP32, which keeps them all. The last ones, because pruned
     *     prefill runs them on short sequences, where widening costs most relative to the layer
     *     (21-33% of the layer time at n=72, notes), and decoding runs every layer alike.
     */
    DecoderWeightStore(
            TextConfig config, TensorSource source, WeightPolicy policy, int residentLayers, NDManager manager) {
        if (policy == WeightPolicy.AUTO) {
            throw new IllegalArgumentException("resolve AUTO before building the store");
        }
        int n = config.numLayers();
        if (residentLayers < 0 || residentLayers > n) {
            throw new IllegalArgumentException("resident layers must be in 0.." + n + ", got " + residentLayers);
        }
        this.config = config;
        this.source = source;
        this.policy = policy;
        this.residentLayers = policy == WeightPolicy.FP32 ? n : residentLayers;
        this.resident = new DecoderLayerWeights[n];
        for (int i = 0; i < n; i++) {
            if (i >= n - this.residentLayers) {
                resident[i] = widen(i, manager, null);
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
            return new Layer(resident[i], null, null);
        }
        NDManager scratch = parent.newSubManager();
        int now = live.incrementAndGet();
        peakLive.accumulateAndGet(now, Math::max);
        ByteBuffer[] buffers = acquire();
        try {
            long t0 = System.nanoTime();
            DecoderLayerWeights w = widen(i, scratch, buffers);
            widenNanos += System.nanoTime() - t0;
            widenings++;
            return new Layer(w, scratch, buffers);
        } catch (RuntimeException | Error e) {
            scratch.close();
            release(buffers);
            live.decrementAndGet();
            throw e;
        }
    }

    /** Layers kept widened for good (all under FP32). */
    int residentLayers() {
        return residentLayers;
    }

    /** Total time spent widening layers on demand, and how many times a layer was widened. */
    long widenNanos() {
        return widenNanos;
    }

    long widenings() {
        return widenings;
    }

    /** Layer-sized sets of widening buffers allocated so far; stays at the peak of live layers when reuse works. */
    synchronized int allocatedBufferSets() {
        return allocatedBufferSets;
    }

    /** Tensors of a layer, in the order {@link #widen} reads them. */
    private static final String[] LAYER_TENSORS = {
        "input_layernorm.weight",
        "self_attn.q_proj.weight",
        "self_attn.k_proj.weight",
        "self_attn.v_proj.weight",
        "self_attn.o_proj.weight",
        "post_attention_layernorm.weight",
        "mlp.gate_proj.weight",
        "mlp.up_proj.weight",
        "mlp.down_proj.weight"
    };

    private synchronized ByteBuffer[] acquire() {
        ByteBuffer[] set = pool.poll();
        if (set != null) {
            return set;
        }
        // Every layer has the same shapes, so one set fits any layer; layer 0 sizes it.
        allocatedBufferSets++;
        set = new ByteBuffer[LAYER_TENSORS.length];
        String p = CanonicalNames.decoderLayer(0);
        for (int t = 0; t < LAYER_TENSORS.length; t++) {
            var info = source.info(p + LAYER_TENSORS[t]);
            if (info.type() == TensorType.F32) {
                continue; // wrapped from the mapped file, nothing to widen into
            }
            try {
                set[t] = ByteBuffer.allocateDirect(Math.toIntExact(4 * info.elements()))
                        .order(ByteOrder.nativeOrder());
            } catch (OutOfMemoryError e) {
                throw new IllegalStateException(
                        "cannot allocate " + 4 * info.elements() + " bytes of direct memory to"
                                + " widen " + info.name()
                                + "; half-resident weights need two layers' worth of fp32 direct"
                                + " memory: raise -XX:MaxDirectMemorySize (it defaults to -Xmx)",
                        e);
            }
        }
        return set;
    }

    private synchronized void release(ByteBuffer[] set) {
        if (pool.size() < POOLED_LAYERS) {
            pool.push(set);
        }
    }

    /** Widened layers alive right now (always 0 under FP32, which keeps its own). */
    int liveWidenedLayers() {
        return live.get();
    }

    /** The most widened layers that were ever alive at the same time. */
    int peakWidenedLayers() {
        return peakLive.get();
    }

    /**
     * Layer {@code i}'s fp32 weights in {@code m}: widened into {@code buffers} (one per entry of
     * {@link #LAYER_TENSORS}) when given, into fresh memory otherwise (resident layers).
     */
    private DecoderLayerWeights widen(int i, NDManager m, ByteBuffer[] buffers) {
        String p = CanonicalNames.decoderLayer(i);
        int d = config.hiddenSize();
        int qOut = config.numHeads() * config.headDim();
        int kvOut = config.numKeyValueHeads() * config.headDim();
        int ff = config.intermediateSize();
        long[][] shapes = {{d}, {qOut, d}, {kvOut, d}, {kvOut, d}, {d, qOut}, {d}, {ff, d}, {ff, d}, {d, ff}};
        NDArray[] a = new NDArray[LAYER_TENSORS.length];
        for (int t = 0; t < a.length; t++) {
            String name = p + LAYER_TENSORS[t];
            if (buffers == null || buffers[t] == null) {
                a[t] = source.fp32(name, m, shapes[t]);
            } else {
                expect(name, shapes[t]);
                a[t] = Widening.toFp32Into(source.info(name), source.bytes(name), buffers[t], m);
            }
        }
        return new DecoderLayerWeights(
                a[0],
                a[1].transpose(),
                a[2].transpose(),
                a[3].transpose(),
                a[4].transpose(),
                a[5],
                a[6].transpose(),
                a[7].transpose(),
                a[8].transpose());
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
            throw new org.transprune.checkpoint.CheckpointException(
                    source.describe() + ": tensor '" + name + "' has shape " + java.util.Arrays.toString(found)
                            + ", expected " + java.util.Arrays.toString(shape));
        }
    }

    @Override
    public synchronized void close() {
        // resident arrays belong to the model's manager, which closes them; pooled buffers go to the GC
        pool.clear();
    }

    NDArray[] residentArrays(int i) {
        return resident[i] == null ? new NDArray[0] : resident[i].all();
    }
}
