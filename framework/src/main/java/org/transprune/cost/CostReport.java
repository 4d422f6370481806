package org.transprune.cost;

import java.util.List;

/**
 * The theoretical cost of one pruning schedule on one model shape.
 *
 * @param schedule the schedule measured
 * @param tokensPerLayer n_l for layers 1..L (element 0 is layer 1)
 * @param flops prefill FLOPs over the image tokens, summed over layers (paper convention)
 * @param unprunedFlops the same for all N tokens at every layer, the reference for {@link #flopsRatio()}
 * @param averageRetainedTokens mean of n_l over the layers
 * @param textTokens text tokens counted in {@link #kvCacheBytesWithText()} (0 when not given)
 * @param bytesPerElement bytes of one cached K or V element (2 for fp16/bf16)
 * @param kvCacheBytes K and V of the image tokens over all layers
 * @param kvCacheBytesWithText the same plus the text tokens, which every layer keeps
 */
public record CostReport(
        PruneSchedule schedule,
        List<Integer> tokensPerLayer,
        long flops,
        long unprunedFlops,
        double averageRetainedTokens,
        int textTokens,
        int bytesPerElement,
        long kvCacheBytes,
        long kvCacheBytesWithText) {

    private static final double TERA = 1e12;
    private static final double MEBI = 1024.0 * 1024.0;

    public CostReport {
        tokensPerLayer = List.copyOf(tokensPerLayer);
    }

    /** {@link #flops()} in TFLOPs (10^12), as the paper prints them (3.82 for LLaVA-1.5-7B). */
    public double tflops() {
        return flops / TERA;
    }

    /** {@link #unprunedFlops()} in TFLOPs. */
    public double unprunedTflops() {
        return unprunedFlops / TERA;
    }

    /** FLOPs relative to the unpruned model: 1.0 unpruned, about 0.41 for TransPrune on LLaVA-1.5-7B. */
    public double flopsRatio() {
        return (double) flops / unprunedFlops;
    }

    /** {@link #kvCacheBytes()} in MiB (2^20 bytes). */
    public double kvCacheMiB() {
        return kvCacheBytes / MEBI;
    }

    /** {@link #kvCacheBytesWithText()} in MiB. */
    public double kvCacheWithTextMiB() {
        return kvCacheBytesWithText / MEBI;
    }
}
