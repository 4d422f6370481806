package org.transprune.checkpoint;

import java.util.Map;
import org.transprune.config.LlavaConfig;

/** The seeded random weights of {@link TinyCheckpoints#randomWeights}, held in memory instead of written. */
public final class RandomLlavaWeights {
    private RandomLlavaWeights() {}

    /** Every tensor a model of {@code config} needs, with canonical names. */
    public static InMemoryTensorSource generate(LlavaConfig config, long seed) {
        InMemoryTensorSource out = new InMemoryTensorSource("random weights (seed " + seed + ")");
        Map<String, long[]> shapes = CanonicalNames.shapes(config);
        TinyCheckpoints.forEachRandomWeight(config, seed, (name, values) -> out.put(name, values, shapes.get(name)));
        return out;
    }
}
