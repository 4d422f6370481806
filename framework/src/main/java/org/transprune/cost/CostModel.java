package org.transprune.cost;

import java.util.Arrays;
import org.transprune.config.TextConfig;

/**
 * Theoretical prefill cost of a decoder shape under a pruning schedule.
 *
 * <p>FLOPs follow the convention of FastV, PDrop and the TransPrune paper (docs/method.md#cost): a
 * layer that holds n image tokens costs {@code 4*n*d^2 + 2*n^2*d + 3*n*d*m}: the q, k, v, o
 * projections (4nd^2), the attention scores and the weighted sum over those n tokens (2n^2d) and
 * the three SwiGLU matrices (3ndm). Multiply-accumulates count once, text tokens are left out and
 * grouped-query attention is ignored (k and v are charged at full width) — all as in the
 * convention, so the numbers are comparable with the papers' tables, not exact hardware counts.
 *
 * <p>KV-cache bytes are exact: {@code 2 * sum_l n_l * kvHeads * headDim * bytesPerElement}, each
 * layer keeping K and V of the tokens it actually processed.
 */
public final class CostModel {

    private final int hiddenSize;
    private final int ffnSize;
    private final int numLayers;
    private final int kvHeads;
    private final int headDim;

    /**
     * @param hiddenSize d
     * @param ffnSize m, the SwiGLU intermediate width
     * @param numLayers decoder depth L
     * @param kvHeads key/value heads (fewer than query heads under grouped-query attention)
     * @param headDim width of one head
     */
    public CostModel(int hiddenSize, int ffnSize, int numLayers, int kvHeads, int headDim) {
        require(hiddenSize > 0, "hidden size must be positive, got " + hiddenSize);
        require(ffnSize > 0, "FFN size must be positive, got " + ffnSize);
        require(numLayers > 0, "layer count must be positive, got " + numLayers);
        require(kvHeads > 0, "KV head count must be positive, got " + kvHeads);
        require(headDim > 0, "head dim must be positive, got " + headDim);
        this.hiddenSize = hiddenSize;
        this.ffnSize = ffnSize;
        this.numLayers = numLayers;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
    }

    /** The cost model of a decoder config (d, m, depth, KV heads and head dim taken from it). */
    public static CostModel of(TextConfig text) {
        return new CostModel(
                text.hiddenSize(), text.intermediateSize(), text.numLayers(), text.numKeyValueHeads(), text.headDim());
    }

    public int hiddenSize() {
        return hiddenSize;
    }

    public int ffnSize() {
        return ffnSize;
    }

    public int numLayers() {
        return numLayers;
    }

    /** FLOPs of one layer holding {@code n} image tokens: {@code 4nd^2 + 2n^2d + 3ndm}. */
    public long layerFlops(int n) {
        require(n >= 0, "token count must be non-negative, got " + n);
        long d = hiddenSize;
        long m = ffnSize;
        long tokens = n;
        return Math.addExact(
                Math.addExact(
                        Math.multiplyExact(4 * tokens, Math.multiplyExact(d, d)),
                        Math.multiplyExact(2 * tokens * tokens, d)),
                Math.multiplyExact(3 * tokens, Math.multiplyExact(d, m)));
    }

    /**
     * n_l for l = 1..L under {@code schedule}.
     *
     * @throws IllegalArgumentException when a stage lies beyond this model's depth
     */
    public int[] tokensPerLayer(PruneSchedule schedule) {
        schedule.requireWithinDepth(numLayers);
        return schedule.tokensPerLayer(numLayers);
    }

    /** Per-layer FLOPs; element i is layer i + 1. */
    public long[] flopsPerLayer(PruneSchedule schedule) {
        return Arrays.stream(tokensPerLayer(schedule))
                .mapToLong(this::layerFlops)
                .toArray();
    }

    /** Total prefill FLOPs over the image tokens. */
    public long totalFlops(PruneSchedule schedule) {
        return Arrays.stream(flopsPerLayer(schedule)).reduce(0L, Math::addExact);
    }

    /** Mean of n_l over the L layers (236.25 for TransPrune's default on a 32-layer model). */
    public double averageRetainedTokens(PruneSchedule schedule) {
        return Arrays.stream(tokensPerLayer(schedule)).average().orElseThrow();
    }

    /** K and V bytes one token occupies in one layer. */
    public long kvBytesPerTokenPerLayer(int bytesPerElement) {
        require(bytesPerElement > 0, "bytes per element must be positive, got " + bytesPerElement);
        return 2L * kvHeads * headDim * bytesPerElement;
    }

    /** K and V bytes of one token kept by every layer (LLaVA-7B fp16: 0.5 MiB). */
    public long kvBytesPerToken(int bytesPerElement) {
        return kvBytesPerTokenPerLayer(bytesPerElement) * numLayers;
    }

    /** KV-cache bytes of the image tokens: {@code 2 * sum_l n_l * kvHeads * headDim * bytesPerElement}. */
    public long kvCacheBytes(PruneSchedule schedule, int bytesPerElement) {
        return kvCacheBytes(schedule, 0, bytesPerElement);
    }

    /**
     * KV-cache bytes of the image tokens plus {@code textTokens} text tokens, which are never
     * pruned and so are cached by every layer.
     */
    public long kvCacheBytes(PruneSchedule schedule, int textTokens, int bytesPerElement) {
        require(textTokens >= 0, "text-token count must be non-negative, got " + textTokens);
        long tokenLayers =
                Arrays.stream(tokensPerLayer(schedule)).asLongStream().sum() + (long) textTokens * numLayers;
        return Math.multiplyExact(tokenLayers, kvBytesPerTokenPerLayer(bytesPerElement));
    }

    /** Everything above for one schedule, with no text tokens in the KV figure. */
    public CostReport report(PruneSchedule schedule, int bytesPerElement) {
        return report(schedule, 0, bytesPerElement);
    }

    /** Everything above for one schedule; {@code textTokens} only enters the KV-with-text figure. */
    public CostReport report(PruneSchedule schedule, int textTokens, int bytesPerElement) {
        int[] tokens = tokensPerLayer(schedule);
        return new CostReport(
                schedule,
                Arrays.stream(tokens).boxed().toList(),
                totalFlops(schedule),
                totalFlops(PruneSchedule.unpruned(schedule.imageTokens())),
                averageRetainedTokens(schedule),
                textTokens,
                bytesPerElement,
                kvCacheBytes(schedule, bytesPerElement),
                kvCacheBytes(schedule, textTokens, bytesPerElement));
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }
}
