package org.transprune.model;

import ai.djl.ndarray.NDManager;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.transprune.checkpoint.CanonicalNames;
import org.transprune.checkpoint.TensorSource;
import org.transprune.config.TextConfig;

/**
 * Every weight of the LLaMA decoder, held as a {@link WeightPolicy} says: this is the one place that
 * reads the policy. Under {@code FP32} every weight is widened once and stays resident. Under
 * {@code HALF} the embeddings and the LM head stay {@link Weight.Stored stored}, and a decoder layer is
 * widened from the memory-mapped checkpoint when it is about to run and released when its {@link Layer}
 * closes, except the last {@code residentLayers}, which are widened once at load as under FP32. The
 * store counts how many widened layers are alive at once, so tests can check the policy through the
 * engine's own accounting.
 *
 * <p>Layers are widened into a small pool of direct buffers (at most {@value #POOLED_LAYERS} layers'
 * worth), reused layer after layer: no allocation, no page faults, no reliance on the garbage collector
 * to free 800 MB per 7B layer.
 */
final class DecoderWeights implements AutoCloseable {
    /** Buffer sets kept for reuse; one layer in use plus one spare covers a forward pass. */
    static final int POOLED_LAYERS = 2;

    private final WeightPolicy policy;
    private final ComputeDtype dtype;
    private final int residentLayers;
    private final Weight embeddings;
    private final Weight lmHead;
    private final Weight finalNorm;
    private final DecoderLayerWeights[] layers;
    /** Whether layer i is stored and widened per use. */
    private final boolean[] widenedPerUse;

    private final AtomicInteger live = new AtomicInteger();
    private final AtomicInteger peakLive = new AtomicInteger();
    private final Deque<ByteBuffer[]> pool = new ArrayDeque<>();
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
     * Loads the decoder's weights.
     *
     * @param policy FP32 or HALF ({@link WeightPlanning} resolves AUTO)
     * @param residentLayers under HALF, how many of the last layers to keep widened for good (0 to
     *     {@code numLayers}); ignored under FP32, which keeps them all. The last ones, because pruned
     *     prefill runs them on short sequences, where widening costs most relative to the layer
     *     (21-33% of the layer time at 72 tokens), and decoding runs every layer alike.
     */
    DecoderWeights(TextConfig config, WeightLoader loader, WeightPolicy policy, int residentLayers) {
        this(config, loader, policy, residentLayers, false);
    }

    /**
     * Loads the decoder's weights, with q/k/v biases when {@code attentionBias} (Qwen2).
     *
     * @see #DecoderWeights(TextConfig, WeightLoader, WeightPolicy, int)
     */
    DecoderWeights(
            TextConfig config, WeightLoader loader, WeightPolicy policy, int residentLayers, boolean attentionBias) {
        TensorSource src = loader.source();
        if (policy == WeightPolicy.AUTO) {
            throw new IllegalArgumentException("resolve AUTO before loading the weights");
        }
        int n = config.numLayers();
        if (residentLayers < 0 || residentLayers > n) {
            throw new IllegalArgumentException("resident layers must be in 0.." + n + ", got " + residentLayers);
        }
        if (policy == WeightPolicy.HALF && loader.dtype() != ComputeDtype.FP32) {
            throw new IllegalArgumentException("half-resident weights are widened to fp32; fp16 compute holds"
                    + " every weight in fp16 (use the fp32 policy)");
        }
        this.dtype = loader.dtype();
        boolean half = policy == WeightPolicy.HALF;
        this.policy = policy;
        this.residentLayers = half ? residentLayers : n;
        long vocab = config.vocabSize();
        long d = config.hiddenSize();
        String head = config.tieWordEmbeddings() ? CanonicalNames.EMBED_TOKENS : CanonicalNames.LM_HEAD;
        // Half: embeddings and LM head stay in their stored precision too (1 GB of fp32 at 7B).
        this.finalNorm = resident(loader, CanonicalNames.FINAL_NORM, d);
        this.embeddings = half
                ? new Weight.Stored(src, CanonicalNames.EMBED_TOKENS, vocab, d)
                : resident(loader, CanonicalNames.EMBED_TOKENS, vocab, d);
        this.lmHead = config.tieWordEmbeddings()
                ? embeddings
                : half ? new Weight.Stored(src, head, vocab, d) : resident(loader, head, vocab, d);
        this.layers = new DecoderLayerWeights[n];
        this.widenedPerUse = new boolean[n];
        Map<String, long[]> shapes = CanonicalNames.decoderLayerShapes(config, attentionBias);
        for (int i = 0; i < n; i++) {
            String prefix = CanonicalNames.decoderLayer(i);
            widenedPerUse[i] = i < n - this.residentLayers;
            Weight[] w = new Weight[shapes.size()];
            int t = 0;
            for (Map.Entry<String, long[]> e : shapes.entrySet()) {
                String name = prefix + e.getKey();
                w[t++] = widenedPerUse[i]
                        ? new Weight.Stored(src, name, e.getValue())
                        : resident(loader, name, e.getValue());
            }
            layers[i] = DecoderLayerWeights.of(w);
        }
    }

    private static Weight resident(WeightLoader loader, String name, long... shape) {
        return new Weight.Resident(loader.load(name, shape));
    }

    WeightPolicy policy() {
        return policy;
    }

    /** The compute dtype the resident weights are held in. */
    ComputeDtype dtype() {
        return dtype;
    }

    /** Token embeddings {@code [vocab, d]}. */
    Weight embeddings() {
        return embeddings;
    }

    /** The LM head {@code [vocab, d]} (the embeddings when tied). */
    Weight lmHead() {
        return lmHead;
    }

    Weight finalNorm() {
        return finalNorm;
    }

    /** Weights of layer {@code i} (0-based) for one use; stored layers are widened into a child of {@code parent}. */
    Layer layer(int i, NDManager parent) {
        if (!widenedPerUse[i]) {
            return new Layer(layers[i], null, null);
        }
        NDManager scratch = parent.newSubManager();
        int now = live.incrementAndGet();
        peakLive.accumulateAndGet(now, Math::max);
        ByteBuffer[] buffers = acquire();
        try {
            long t0 = System.nanoTime();
            Weight[] stored = layers[i].all();
            Weight[] widened = new Weight[stored.length];
            for (int t = 0; t < stored.length; t++) {
                widened[t] = stored[t].widen(scratch, buffers[t]);
            }
            widenNanos += System.nanoTime() - t0;
            widenings++;
            return new Layer(DecoderLayerWeights.of(widened), scratch, buffers);
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

    /** Total time spent widening layers on demand. */
    long widenNanos() {
        return widenNanos;
    }

    /** How many times a layer was widened on demand. */
    long widenings() {
        return widenings;
    }

    /** Layer-sized sets of widening buffers allocated so far; stays at the peak of live layers when reuse works. */
    synchronized int allocatedBufferSets() {
        return allocatedBufferSets;
    }

    /** Widened layers alive right now (always 0 under FP32, which keeps its own). */
    int liveWidenedLayers() {
        return live.get();
    }

    /** The most widened layers that were ever alive at the same time. */
    int peakWidenedLayers() {
        return peakLive.get();
    }

    private synchronized ByteBuffer[] acquire() {
        ByteBuffer[] set = pool.poll();
        if (set != null) {
            return set;
        }
        // Every layer has the same shapes, so one set fits any layer; layer 0 sizes it.
        allocatedBufferSets++;
        Weight[] first = layers[0].all();
        set = new ByteBuffer[first.length];
        for (int t = 0; t < first.length; t++) {
            long bytes = first[t].wideningBytes();
            if (bytes == 0) {
                continue; // f32 on disk is wrapped from the mapped file, nothing to widen into
            }
            try {
                set[t] = ByteBuffer.allocateDirect(Math.toIntExact(bytes)).order(ByteOrder.nativeOrder());
            } catch (OutOfMemoryError e) {
                throw new IllegalStateException(
                        "cannot allocate " + bytes + " bytes of direct memory to widen a decoder layer;"
                                + " half-resident weights need two layers' worth of fp32 direct"
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

    @Override
    public synchronized void close() {
        // resident arrays belong to the model's manager, which closes them; pooled buffers go to the GC
        pool.clear();
    }
}
