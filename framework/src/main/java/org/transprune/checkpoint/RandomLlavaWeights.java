package org.transprune.checkpoint;

import java.util.SplittableRandom;
import org.transprune.model.LlavaConfig;
import org.transprune.model.TextConfig;
import org.transprune.model.VisionConfig;
import org.transprune.model.WeightNames;

/**
 * Seeded random weights with a LLaVA model's exact shapes and canonical names: matrices drawn
 * from N(0, 0.02^2) (the usual initialiser range), biases near 0, norm gains near 1.
 */
public final class RandomLlavaWeights {
    private final SplittableRandom random;
    private final InMemoryTensorSource out;

    private RandomLlavaWeights(long seed, String description) {
        random = new SplittableRandom(seed);
        out = new InMemoryTensorSource(description);
    }

    /** Every tensor a model of {@code config} needs, in memory. */
    public static InMemoryTensorSource generate(LlavaConfig config, long seed) {
        RandomLlavaWeights w = new RandomLlavaWeights(seed, "random weights (seed " + seed + ")");
        w.vision(config);
        w.projector(config);
        w.text(config.text());
        return w.out;
    }

    private void vision(LlavaConfig config) {
        VisionConfig v = config.vision();
        int d = v.hiddenSize();
        int p = v.patchSize();
        matrix(WeightNames.PATCH_EMBEDDING, d, 3, p, p);
        matrix(WeightNames.CLASS_EMBEDDING, d);
        matrix(WeightNames.POSITION_EMBEDDING, v.numPatches() + 1, d);
        layerNorm(WeightNames.PRE_LAYERNORM, d);
        for (int i = 0; i < v.numLayers(); i++) {
            String b = WeightNames.visionBlock(i);
            layerNorm(b + "layer_norm1.", d);
            for (String proj : new String[] {"q_proj", "k_proj", "v_proj", "out_proj"}) {
                linear(b + "self_attn." + proj + ".", d, d);
            }
            layerNorm(b + "layer_norm2.", d);
            linear(b + "mlp.fc1.", v.intermediateSize(), d);
            linear(b + "mlp.fc2.", d, v.intermediateSize());
        }
        layerNorm(WeightNames.VISION + "post_layernorm.", d);
    }

    private void projector(LlavaConfig config) {
        int d = config.text().hiddenSize();
        linear(WeightNames.PROJECTOR_1, d, config.vision().hiddenSize());
        if ("mlp2x_gelu".equals(config.projectorType())) {
            linear(WeightNames.PROJECTOR_2, d, d);
        }
    }

    private void text(TextConfig t) {
        int d = t.hiddenSize();
        int q = t.numHeads() * t.headDim();
        int kv = t.numKeyValueHeads() * t.headDim();
        matrix(WeightNames.EMBED_TOKENS, t.vocabSize(), d);
        for (int i = 0; i < t.numLayers(); i++) {
            String l = WeightNames.decoderLayer(i);
            gain(l + "input_layernorm.weight", d);
            matrix(l + "self_attn.q_proj.weight", q, d);
            matrix(l + "self_attn.k_proj.weight", kv, d);
            matrix(l + "self_attn.v_proj.weight", kv, d);
            matrix(l + "self_attn.o_proj.weight", d, q);
            gain(l + "post_attention_layernorm.weight", d);
            matrix(l + "mlp.gate_proj.weight", t.intermediateSize(), d);
            matrix(l + "mlp.up_proj.weight", t.intermediateSize(), d);
            matrix(l + "mlp.down_proj.weight", d, t.intermediateSize());
        }
        gain(WeightNames.FINAL_NORM, d);
        if (!t.tieWordEmbeddings()) {
            matrix(WeightNames.LM_HEAD, t.vocabSize(), d);
        }
    }

    private void linear(String prefix, int out, int in) {
        matrix(prefix + "weight", out, in);
        fill(prefix + "bias", 0.0, 0.01, out);
    }

    private void layerNorm(String prefix, int d) {
        gain(prefix + "weight", d);
        fill(prefix + "bias", 0.0, 0.01, d);
    }

    private void gain(String name, int d) {
        fill(name, 1.0, 0.05, d);
    }

    private void matrix(String name, long... shape) {
        fill(name, 0.0, 0.02, shape);
    }

    private void fill(String name, double mean, double std, long... shape) {
        long n = 1;
        for (long s : shape) {
            n *= s;
        }
        float[] v = new float[Math.toIntExact(n)];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (mean + std * random.nextGaussian());
        }
        out.put(name, v, shape);
    }
}
