package org.transprune.checkpoint;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.BiConsumer;
import org.transprune.config.LlavaConfig;

/**
 * Seeded random LLaVA weights held in memory: what {@code transprune bench} times when no checkpoint
 * is given, and what the tests' tiny checkpoints write. The same configuration and seed give the same
 * canonical tensors. Matrices and embeddings are N(0, 0.02), biases N(0, 0.02), norm weights
 * 1 + N(0, 0.02).
 */
public final class RandomLlavaWeights {
    private RandomLlavaWeights() {}

    /** Every tensor a model of {@code config} needs, with canonical names. */
    public static InMemoryTensorSource generate(LlavaConfig config, long seed) {
        InMemoryTensorSource out = new InMemoryTensorSource("random weights (seed " + seed + ")");
        Map<String, long[]> shapes = CanonicalNames.shapes(config);
        forEach(config, seed, (name, values) -> out.put(name, values, shapes.get(name)));
        return out;
    }

    /** The random canonical tensors of {@code config} for {@code seed}, in {@link CanonicalNames#shapes} order. */
    public static Map<String, float[]> values(LlavaConfig config, long seed) {
        Map<String, float[]> out = new LinkedHashMap<>();
        forEach(config, seed, out::put);
        return out;
    }

    /**
     * Generates the same tensors as {@link #values} one at a time, so a caller can store each before
     * the next is drawn.
     */
    public static void forEach(LlavaConfig config, long seed, BiConsumer<String, float[]> sink) {
        SplittableRandom random = new SplittableRandom(seed);
        for (Map.Entry<String, long[]> e : CanonicalNames.shapes(config).entrySet()) {
            long n = 1;
            for (long d : e.getValue()) {
                n *= d;
            }
            float[] v = new float[Math.toIntExact(n)];
            String name = e.getKey();
            boolean norm = RandomCheckpointWriter.isNorm(name);
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) ((norm ? 1 : 0) + 0.02 * random.nextGaussian());
            }
            sink.accept(name, v);
        }
    }
}
