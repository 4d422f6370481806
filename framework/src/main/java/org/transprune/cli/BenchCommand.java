package org.transprune.cli;

import ai.djl.Device;
import java.util.concurrent.Callable;
import org.transprune.model.LlavaModel;
import org.transprune.model.TextConfig;
import org.transprune.perf.EngineBenchmark;
import org.transprune.perf.EngineBenchmark.PrefillTiming;
import org.transprune.pipeline.DeviceChoice;
import org.transprune.prune.PruningStrategy;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code transprune bench}: engine speed against the machine's own matmul rate. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Measure the engine: matmul GFLOP/s, a realistic decoder layer, per-op overhead, and",
            "(with --strategy) pruned against unpruned prefill on a random layer stack."})
public final class BenchCommand implements Callable<Integer> {
    @Option(names = "--device", defaultValue = "cpu", description = "cpu, gpu or auto (default: ${DEFAULT-VALUE})")
    String device;

    @Option(names = "--threads", description = "libtorch intra-op threads (default: all cores)")
    Integer threads;

    @Option(names = "--hidden", defaultValue = "4096", description = "d (default: ${DEFAULT-VALUE}, LLaMA-7B)")
    int hidden;

    @Option(names = "--ffn", defaultValue = "11008", description = "m (default: ${DEFAULT-VALUE})")
    int ffn;

    @Option(names = "--heads", defaultValue = "32")
    int heads;

    @Option(names = "--kv-heads", defaultValue = "32")
    int kvHeads;

    @Option(names = "--tokens", defaultValue = "600", description = "prompt length (default: ${DEFAULT-VALUE})")
    int tokens;

    @Option(names = "--image-tokens", defaultValue = "576", description = "image tokens in the prompt (a square)")
    int imageTokens;

    @Option(names = "--layers", defaultValue = "1", description = "layers in the random stack (default: ${DEFAULT-VALUE})")
    int layers;

    @Option(names = "--repeats", defaultValue = "3", description = "timed repeats after one warm-up")
    int repeats;

    @Mixin
    StrategyOptions strategy;

    @Override
    public Integer call() {
        if (threads != null) {
            System.setProperty("ai.djl.pytorch.num_threads", String.valueOf(threads));
        }
        Device dev = DeviceChoice.resolve(device);
        PruningStrategy s = strategy.create();
        double matmul = EngineBenchmark.matmulGflops(dev, 2048, Math.max(3, repeats));
        System.out.printf("matmul 2048^3 fp32: %.1f GFLOP/s (%s, threads %s)%n", matmul, dev,
                threads == null ? "default" : threads);

        // Per-op overhead: a layer so small that its arithmetic is negligible is all overhead.
        double overhead;
        try (LlavaModel tiny = EngineBenchmark.randomStack(dev, 64, 128, 4, 4, 1, imageTokens, 3)) {
            overhead = EngineBenchmark.prefill(tiny, imageTokens, tokens, null, Math.max(5, repeats)).wall().median();
        }
        try (LlavaModel stack = EngineBenchmark.randomStack(dev, hidden, ffn, heads, kvHeads, layers, imageTokens, 1)) {
            TextConfig t = stack.config().text();
            PrefillTiming full = EngineBenchmark.prefill(stack, imageTokens, tokens, null, repeats);
            double flops = EngineBenchmark.layerFlops(t, tokens) * layers;
            double rate = flops / full.wall().median() / 1e9;
            System.out.printf("decoder stack d=%d m=%d heads=%d/%d x%d layers, %d tokens: prefill %s%n", hidden, ffn, heads,
                    kvHeads, layers, tokens, full.wall().millis());
            System.out.printf("  achieved %.1f GFLOP/s = %.0f%% of the matmul rate%n", rate, 100 * rate / matmul);
            System.out.printf("  per-op overhead (same op sequence at d=64): %.2f ms per layer = %.2f%% of prefill%n",
                    overhead * 1e3, 100 * overhead * layers / full.wall().median());
            if (s != null) {
                PrefillTiming pruned = EngineBenchmark.prefill(stack, imageTokens, tokens, s, repeats);
                double measured = full.wall().median() / pruned.wall().median();
                double theory = sum(full.tokensPerLayer(), t) / sum(pruned.tokensPerLayer(), t);
                System.out.printf("strategy %s: prefill %s%n", s.name(), pruned);
                System.out.printf("  measured speedup %.2fx, theoretical (FLOPs of the processed lengths) %.2fx,"
                        + " ratio %.2f%n", measured, theory, measured / theory);
                System.out.printf("  scoring and signals: %.2f ms = %.2f%% of pruned prefill%n",
                        pruned.hooks().median() * 1e3, 100 * pruned.hooks().median() / pruned.wall().median());
            }
        }
        return 0;
    }

    private static double sum(int[] perLayer, TextConfig t) {
        double total = 0;
        for (int n : perLayer) {
            total += EngineBenchmark.layerFlops(t, n);
        }
        return total;
    }
}
