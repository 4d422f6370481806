package org.transprune.model;

import ai.djl.Device;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.transprune.checkpoint.CanonicalNames;
import org.transprune.checkpoint.InMemoryTensorSource;
import org.transprune.config.QwenConfig;
import org.transprune.config.QwenVisionConfig;
import org.transprune.config.TextConfig;
import org.transprune.image.QwenPixels;

/**
 * Small random Qwen2.5-VL models for tests: a 2-block tower of width 32 (block 0 attends in windows of
 * 2 x 2 merged tokens, block 1 over the whole image), merger to 64, and a 4-layer Qwen2 decoder of width 64
 * with 4 query and 2 KV heads (head width 16, M-RoPE sections 2/3/3), vocabulary 100.
 */
public final class TinyQwen {
    /** Weight scale: larger than the usual 0.02 so that windows and positions visibly change the outputs. */
    static final double STD = 0.1;

    private TinyQwen() {}

    public static QwenConfig config() {
        return config(List.of(1));
    }

    /** The tiny configuration with these whole-image blocks (0-based, of 2). */
    public static QwenConfig config(List<Integer> fullAttentionBlocks) {
        return config(fullAttentionBlocks, 4);
    }

    /** The tiny configuration with these whole-image blocks and {@code layers} decoder layers. */
    public static QwenConfig config(List<Integer> fullAttentionBlocks, int layers) {
        QwenVisionConfig v = new QwenVisionConfig(2, 32, 48, 2, 14, 2, 2, 56, fullAttentionBlocks, 64);
        TextConfig t = new TextConfig(64, 128, layers, 4, 2, 100, 1e-6, 10000.0, 256, false);
        return new QwenConfig(v, t, List.of(2, 3, 3), 99, 97, 98);
    }

    /** Random canonical tensors: N(0, {@value #STD}), norm gains 1 + N(0, {@value #STD}). */
    public static Map<String, float[]> weights(QwenConfig config, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        Map<String, float[]> out = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : CanonicalNames.qwenShapes(config).entrySet()) {
            long n = 1;
            for (long d : e.getValue()) {
                n *= d;
            }
            boolean norm = e.getKey().endsWith("norm.weight")
                    || e.getKey().matches(".*norm\\d\\.weight")
                    || e.getKey().endsWith("ln_q.weight");
            float[] v = new float[Math.toIntExact(n)];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) ((norm ? 1 : 0) + STD * r.nextGaussian());
            }
            out.put(e.getKey(), v);
        }
        return out;
    }

    public static InMemoryTensorSource source(QwenConfig config, Map<String, float[]> weights) {
        InMemoryTensorSource s = new InMemoryTensorSource("tiny qwen");
        Map<String, long[]> shapes = CanonicalNames.qwenShapes(config);
        weights.forEach((name, values) -> s.put(name, values, shapes.get(name)));
        return s;
    }

    public static QwenModel load(QwenConfig config, Map<String, float[]> weights) {
        return QwenModel.load(config, source(config, weights), Device.cpu(), WeightPolicy.FP32, 0, ComputeDtype.FP32);
    }

    /** Random normalised patches of a {@code gridH x gridW} patch grid. */
    public static QwenPixels pixels(QwenConfig config, int gridH, int gridW, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] p = new float[gridH * gridW * config.vision().patchValues()];
        for (int i = 0; i < p.length; i++) {
            p[i] = (float) r.nextGaussian();
        }
        return new QwenPixels(p, gridH, gridW, gridH * 14, gridW * 14);
    }
}
