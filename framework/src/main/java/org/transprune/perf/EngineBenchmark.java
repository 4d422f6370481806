package org.transprune.perf;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.transprune.checkpoint.RandomLlavaWeights;
import org.transprune.config.LlavaConfig;
import org.transprune.config.TextConfig;
import org.transprune.config.VisionConfig;
import org.transprune.model.ForwardHooks;
import org.transprune.model.InferenceSession;
import org.transprune.model.LlavaModel;
import org.transprune.model.WeightPolicy;
import org.transprune.prune.PruningStrategy;
import org.transprune.prune.StrategyRun;

/** Timing primitives behind {@code transprune bench}; every figure is a median over repeats. */
public final class EngineBenchmark {
    private EngineBenchmark() {}

    /** Median seconds and the spread of a set of timings. */
    public record Timing(double median, double min, double max) {
        static Timing of(List<Double> seconds) {
            double[] s =
                    seconds.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            return new Timing(s[s.length / 2], s[0], s[s.length - 1]);
        }

        public String millis() {
            return String.format("%.1f ms (min %.1f, max %.1f)", median * 1e3, min * 1e3, max * 1e3);
        }
    }

    /** GFLOP/s of an fp32 [n x n] x [n x n] matrix multiply. */
    public static double matmulGflops(Device device, int n, int repeats) {
        try (NDManager m = NDManager.newBaseManager(device)) {
            NDArray a = m.randomNormal(new Shape(n, n));
            NDArray b = m.randomNormal(new Shape(n, n));
            List<Double> t = new ArrayList<>();
            for (int i = 0; i < repeats + 1; i++) {
                try (NDManager step = m.newSubManager()) {
                    long t0 = System.nanoTime();
                    NDArray c = a.matMul(b);
                    c.attach(step);
                    c.getFloat(0, 0); // forces completion on asynchronous devices
                    if (i > 0) {
                        t.add((System.nanoTime() - t0) / 1e9);
                    }
                }
            }
            return 2.0 * n * n * n / Timing.of(t).median() / 1e9;
        }
    }

    /**
     * A decoder-only stack with random weights and a minimal vision tower, for timing the decoder.
     *
     * @param vocab a small vocabulary keeps the LM head out of the measurement
     */
    public static LlavaModel randomStack(
            Device device, int hidden, int ffn, int heads, int kvHeads, int layers, int imageTokens, long seed) {
        int grid = (int) Math.round(Math.sqrt(imageTokens));
        if (grid * grid != imageTokens) {
            throw new IllegalArgumentException("image tokens must be a square number, got " + imageTokens);
        }
        VisionConfig v = new VisionConfig(16, 32, 1, 1, grid * 14, 14, 1e-5, "quick_gelu");
        TextConfig t = new TextConfig(hidden, ffn, layers, heads, kvHeads, 64, 1e-5, 10000, 4096, false);
        LlavaConfig c = new LlavaConfig(v, t, "linear", -1, "default", -1);
        return LlavaModel.load(c, RandomLlavaWeights.generate(c, seed), device, WeightPolicy.FP32);
    }

    /** The prompt shape of a LLaVA-1.5 question: 5 prefix tokens, the image, then text up to {@code total}. */
    public static int[] promptIds(int imageTokens, int total) {
        int[] ids = new int[total];
        SplittableRandom r = new SplittableRandom(1);
        for (int i = 0; i < total; i++) {
            ids[i] = i >= 5 && i < 5 + imageTokens ? 0 : 1 + r.nextInt(63);
        }
        return ids;
    }

    /** Prefill timings of {@code model} on a prompt of {@code total} tokens, unpruned or under {@code strategy}. */
    public static PrefillTiming prefill(
            LlavaModel model, int imageTokens, int total, PruningStrategy strategy, int repeats) {
        int[] ids = promptIds(imageTokens, total);
        List<Double> wall = new ArrayList<>();
        List<Double> hooks = new ArrayList<>();
        int[] perLayer = null;
        for (int i = 0; i < repeats + 1; i++) {
            try (InferenceSession s = model.newSession()) {
                NDArray image = s.manager()
                        .randomNormal(
                                0,
                                1,
                                new Shape(imageTokens, model.config().text().hiddenSize()),
                                DataType.FLOAT32);
                ForwardHooks h = strategy == null
                        ? ForwardHooks.NONE
                        : StrategyRun.start(
                                        strategy,
                                        imageTokens,
                                        model.config().text().numLayers(),
                                        7)
                                .hooks();
                InferenceSession.PrefillResult r = s.prefill(ids, 5, image, null, h);
                if (i > 0) {
                    wall.add(r.prefillNanos() / 1e9);
                    hooks.add(r.hookNanos() / 1e9);
                }
                perLayer = r.tokensPerLayer();
            }
        }
        return new PrefillTiming(Timing.of(wall), Timing.of(hooks), perLayer);
    }

    /**
     * Prefill wall time, the part spent in pruning hooks (signals, scoring, selection), and the
     * sequence length each layer processed.
     */
    public record PrefillTiming(Timing wall, Timing hooks, int[] tokensPerLayer) {
        @Override
        public String toString() {
            return wall.millis() + ", hooks " + hooks.millis() + ", tokens per layer "
                    + Arrays.toString(tokensPerLayer);
        }
    }

    /** Multiply-add FLOPs (x2) of one LLaMA decoder layer's prefill over {@code n} tokens, attention included. */
    public static double layerFlops(TextConfig t, int n) {
        double d = t.hiddenSize();
        double kv = (double) t.numKeyValueHeads() * t.headDim();
        double projections = 2.0 * n * (d * d * 2 + d * kv * 2);
        double mlp = 2.0 * n * 3 * d * t.intermediateSize();
        double attention = 2.0 * 2 * (double) n * n * d; // QK^T and PV over the full (masked) square
        return projections + mlp + attention;
    }
}
