package org.transprune.model;

import ai.djl.Device;
import java.util.SplittableRandom;
import org.transprune.checkpoint.RandomLlavaWeights;
import org.transprune.config.LlavaConfig;
import org.transprune.config.TextConfig;
import org.transprune.config.VisionConfig;

/** Small random LLaVA models for tests: 16 image tokens, 4 decoder layers, grouped KV heads. */
public final class TinyModels {
    private TinyModels() {}

    /** Vision 32 wide x 2 blocks over a 56 px image (4x4 patches); decoder 64 wide x 4 layers, 4 heads, 2 KV heads. */
    public static LlavaConfig config() {
        return config(4);
    }

    /** The tiny configuration with {@code layers} decoder layers. */
    public static LlavaConfig config(int layers) {
        VisionConfig v = new VisionConfig(32, 64, 2, 2, 56, 14, 1e-5, "quick_gelu");
        TextConfig t = new TextConfig(64, 128, layers, 4, 2, 100, 1e-6, 10000.0, 256, false);
        return new LlavaConfig(v, t, "mlp2x_gelu", -2, "default", -1);
    }

    /** A loaded tiny model with weights drawn from {@code seed}. */
    public static LlavaModel load(long seed) {
        return load(config(), seed, WeightPolicy.FP32);
    }

    public static LlavaModel load(LlavaConfig config, long seed, WeightPolicy policy) {
        return LlavaModel.load(config, RandomLlavaWeights.generate(config, seed), Device.cpu(), policy);
    }

    /** A deterministic pseudo-image of the right size for {@code config}. */
    public static float[] pixels(LlavaConfig config, long seed) {
        int s = config.vision().imageSize();
        float[] p = new float[3 * s * s];
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < p.length; i++) {
            p[i] = (float) r.nextGaussian();
        }
        return p;
    }

    /** Prompt ids {@code [prefix][imageTokens placeholders][suffix]} drawn from the vocabulary. */
    public static int[] prompt(int prefix, int imageTokens, int suffix, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int[] ids = new int[prefix + imageTokens + suffix];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = i >= prefix && i < prefix + imageTokens ? 0 : 1 + r.nextInt(99);
        }
        return ids;
    }
}
