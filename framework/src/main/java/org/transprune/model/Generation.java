package org.transprune.model;

import java.util.Arrays;
import java.util.Set;

/**
 * The result of greedy generation, with prefill and decode timed separately.
 *
 * @param tokens generated ids, without the stop token
 * @param stoppedOnToken true when a stop token ended generation (false: the token limit did)
 * @param prefill what the prefill produced (logits, final layout, tokens per layer, timings)
 * @param decodeNanos wall time of all decoding steps
 * @param kvCacheTokens tokens cached summed over layers at the end
 */
public record Generation(
        int[] tokens,
        boolean stoppedOnToken,
        InferenceSession.PrefillResult prefill,
        long decodeNanos,
        long kvCacheTokens) {

    /** Greedy (temperature 0) continuation after a prefill, as LLaVA evaluates all benchmarks. */
    public static Generation greedy(
            InferenceSession session,
            InferenceSession.PrefillResult prefill,
            int maxNewTokens,
            Set<Integer> stopTokens) {
        if (maxNewTokens < 0) {
            throw new IllegalArgumentException("max new tokens must be >= 0, got " + maxNewTokens);
        }
        int[] out = new int[maxNewTokens];
        int n = 0;
        boolean stopped = false;
        float[] logits = prefill.logits();
        long t0 = System.nanoTime();
        while (n < maxNewTokens) {
            int next = argmax(logits);
            if (stopTokens.contains(next)) {
                stopped = true;
                break;
            }
            out[n++] = next;
            if (n < maxNewTokens) {
                logits = session.decode(next);
            }
        }
        long decodeNanos = System.nanoTime() - t0;
        long cached = Arrays.stream(session.cache().lengths()).asLongStream().sum();
        return new Generation(Arrays.copyOf(out, n), stopped, prefill, decodeNanos, cached);
    }

    /** Index of the largest value; the lowest index wins ties, as torch.argmax does. */
    public static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Generation g && Arrays.equals(g.tokens, tokens) && g.stoppedOnToken == stoppedOnToken;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(tokens);
    }
}
