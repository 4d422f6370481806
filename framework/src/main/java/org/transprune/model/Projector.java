package org.transprune.model;

import ai.djl.ndarray.NDArray;
import org.transprune.checkpoint.CanonicalNames;
import org.transprune.config.LlavaConfig;

/** The multimodal projector: {@code mlp2x_gelu} (Linear, GELU, Linear) or {@code linear}. */
final class Projector {
    private final NDArray w1T;
    private final NDArray b1;
    private final NDArray w2T;
    private final NDArray b2;

    Projector(LlavaConfig config, WeightLoader src) {
        int dv = config.vision().hiddenSize();
        int d = config.text().hiddenSize();
        w1T = src.load(CanonicalNames.PROJECTOR_1 + "weight", d, dv).transpose();
        b1 = src.load(CanonicalNames.PROJECTOR_1 + "bias", d);
        if ("mlp2x_gelu".equals(config.projectorType())) {
            w2T = src.load(CanonicalNames.PROJECTOR_2 + "weight", d, d).transpose();
            b2 = src.load(CanonicalNames.PROJECTOR_2 + "bias", d);
        } else {
            w2T = null;
            b2 = null;
        }
    }

    /** Maps {@code [N, visionHidden]} features to {@code [N, hidden]} image embeddings. */
    NDArray forward(NDArray features) {
        NDArray h = Functional.linear(features, w1T, b1);
        return w2T == null ? h : Functional.linear(Functional.gelu(h), w2T, b2);
    }
}
