package org.transprune.cli;

import ai.djl.Device;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Function;
import org.transprune.checkpoint.QwenCheckpoints;
import org.transprune.config.TextConfig;
import org.transprune.cost.CostModel;
import org.transprune.cost.PruneSchedule;
import org.transprune.image.RgbImage;
import org.transprune.model.LlavaModel;
import org.transprune.model.WeightPlanning;
import org.transprune.perf.EngineBenchmark;
import org.transprune.perf.EngineBenchmark.PrefillTiming;
import org.transprune.perf.ModelBenchmark;
import org.transprune.perf.ScheduleOnlyStrategy;
import org.transprune.pipeline.AnsweringPipeline;
import org.transprune.pipeline.LlavaPipeline;
import org.transprune.pipeline.QwenPipeline;
import org.transprune.prune.PruningStrategy;
import org.transprune.text.PromptTokens;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code transprune bench}: engine speed against the machine's own matmul rate. */
@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        description = {
            "Measure the engine: matmul GFLOP/s, a realistic decoder layer, per-op overhead, and",
            "(with --strategy) pruned against unpruned prefill on a random layer stack.",
            "With --model DIR: time a real checkpoint on one synthetic image and question (load, image",
            "encoding, prefill unpruned and pruned, decoding, peak memory); without --strategy the pruned",
            "run uses TransPrune's schedule (after layers 7/9/12 keep 504/360/72 of 576) with a random pick;",
            "on Qwen2.5-VL its Qwen schedule by depth (28 layers: after 6/8/11, 36 layers: after 8/10/14) on one",
            "784x1008 image (1,008 image tokens; --image-size, --max-pixels)."
        })
public final class BenchCommand implements Callable<Integer> {
    /** Device, threads, and (with --model) weight storage: the options every model-loading command takes. */
    @Mixin
    ModelOptions.Engine engine;

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

    @Option(
            names = "--layers",
            defaultValue = "1",
            description = "layers in the random stack (default: ${DEFAULT-VALUE})")
    int layers;

    @Option(names = "--repeats", defaultValue = "3", description = "timed repeats after one warm-up")
    int repeats;

    @Mixin
    StrategyOptions strategy;

    @Option(names = "--model", paramLabel = "DIR", description = "time this checkpoint instead of a random layer stack")
    Path model;

    @Option(
            names = "--new-tokens",
            defaultValue = "16",
            description = "with --model: tokens to generate (default: ${DEFAULT-VALUE})")
    int newTokens;

    @Option(
            names = "--warmup",
            defaultValue = "1",
            description = "with --model: untimed runs first (default: ${DEFAULT-VALUE})")
    int warmup;

    @Option(names = "--no-pruned", description = "with --model: skip the pruned runs")
    boolean noPruned;

    @Option(
            names = "--image-size",
            paramLabel = "HxW",
            description = "with a Qwen2.5-VL --model: the synthetic image's HEIGHTxWIDTH in pixels (default: 784x1008,"
                    + " a 28 x 36 grid of 1,008 image tokens)")
    String imageSize;

    @Option(
            names = "--max-pixels",
            paramLabel = "P",
            description = "with a Qwen2.5-VL --model: the image processor's max_pixels (default: enough to keep the"
                    + " image at its own size, at least 451584)")
    Integer maxPixels;

    @Override
    public Integer call() {
        engine.applyThreads();
        if (model != null) {
            return benchModel();
        }
        Device dev = engine.device.resolve();
        PruningStrategy s = strategy.create();
        double matmul = EngineBenchmark.matmulGflops(dev, 2048, Math.max(3, repeats));
        System.out.printf(
                "matmul 2048^3 fp32: %.1f GFLOP/s (%s, threads %s)%n",
                matmul, dev, engine.threads == null ? "default" : engine.threads);

        // Per-op overhead: a layer so small that its arithmetic is negligible is all overhead.
        double overhead;
        try (LlavaModel tiny = EngineBenchmark.randomStack(dev, 64, 128, 4, 4, 1, imageTokens, 3)) {
            overhead = EngineBenchmark.prefill(tiny, imageTokens, tokens, null, Math.max(5, repeats))
                    .wall()
                    .median();
        }
        try (LlavaModel stack = EngineBenchmark.randomStack(dev, hidden, ffn, heads, kvHeads, layers, imageTokens, 1)) {
            TextConfig t = stack.config().text();
            PrefillTiming full = EngineBenchmark.prefill(stack, imageTokens, tokens, null, repeats);
            double flops = EngineBenchmark.layerFlops(t, tokens) * layers;
            double rate = flops / full.wall().median() / 1e9;
            System.out.printf(
                    "decoder stack d=%d m=%d heads=%d/%d x%d layers, %d tokens: prefill %s%n",
                    hidden, ffn, heads, kvHeads, layers, tokens, full.wall().millis());
            System.out.printf("  achieved %.1f GFLOP/s = %.0f%% of the matmul rate%n", rate, 100 * rate / matmul);
            System.out.printf(
                    "  per-op overhead (same op sequence at d=64): %.2f ms per layer = %.2f%% of prefill%n",
                    overhead * 1e3, 100 * overhead * layers / full.wall().median());
            if (s != null) {
                PrefillTiming pruned = EngineBenchmark.prefill(stack, imageTokens, tokens, s, repeats);
                double measured = full.wall().median() / pruned.wall().median();
                double theory = sum(full.tokensPerLayer(), t) / sum(pruned.tokensPerLayer(), t);
                System.out.printf("strategy %s: prefill %s%n", s.name(), pruned);
                System.out.printf(
                        "  measured speedup %.2fx, theoretical (FLOPs of the processed lengths) %.2fx,"
                                + " ratio %.2f%n",
                        measured, theory, measured / theory);
                System.out.printf(
                        "  scoring and signals: %.2f ms = %.2f%% of pruned prefill%n",
                        pruned.hooks().median() * 1e3,
                        100 * pruned.hooks().median() / pruned.wall().median());
            }
        }
        return 0;
    }

    private int benchModel() {
        if (repeats < 1 || warmup < 0) {
            throw new UserError("--repeats must be at least 1 and --warmup at least 0");
        }
        PruningStrategy given = strategy.create();
        boolean qwen = QwenCheckpoints.isQwen(model);
        if (!qwen && (imageSize != null || maxPixels != null)) {
            throw new UserError("--image-size and --max-pixels apply to Qwen2.5-VL checkpoints only");
        }
        int[] hw = qwen
                ? FlopsCommand.parseImageSize(
                        imageSize == null ? ModelBenchmark.QWEN_HEIGHT + "x" + ModelBenchmark.QWEN_WIDTH : imageSize)
                : null;
        Integer pixels =
                !qwen ? null : maxPixels != null ? maxPixels : ModelBenchmark.qwenMaxPixelsFor(hw[0], hw[1], 28);
        System.out.printf(
                "machine: %d cores, load average %s, MemAvailable %.1f GB%n",
                java.lang.Runtime.getRuntime().availableProcessors(),
                loadAverage(),
                WeightPlanning.availableBytes() / 1e9);
        try (ModelBenchmark.AnonPeak anon = new ModelBenchmark.AnonPeak();
                AnsweringPipeline opened =
                        AnsweringPipeline.open(model, engine.pipelineOptions("vicuna_v1", null), pixels)) {
            TextConfig t = opened.text();
            opened.describe().forEach(line -> System.out.println("# " + line));
            System.out.printf("load: %.1f s%n", opened.loadNanos() / 1e9);
            RgbImage image;
            PromptTokens prompt;
            Function<PruningStrategy, ModelBenchmark.Run> once;
            PruningStrategy s = given;
            String noSchedule = null;
            if (opened instanceof QwenPipeline p) {
                image = ModelBenchmark.qwenImage(hw[0], hw[1]);
                System.out.println(
                        InspectCommand.qwenGeometry(p, image, p.processor().imageTokens(hw[0], hw[1])));
                prompt = p.encode(ModelBenchmark.QUESTION, p.processor().imageTokens(hw[0], hw[1]), newTokens);
                once = st -> ModelBenchmark.run(p, prompt, image, st, newTokens);
                if (s == null) {
                    s = ScheduleOnlyStrategy.qwenSchedule(t.numLayers());
                    noSchedule = s != null
                            ? null
                            : "no TransPrune Qwen2.5-VL schedule for " + t.numLayers()
                                    + " decoder layers (presets: 28 layers qwen2.5-vl-7b, 36 layers qwen2.5-vl-3b);"
                                    + " give --strategy";
                }
            } else {
                LlavaPipeline p = (LlavaPipeline) opened;
                int side = p.model().config().vision().imageSize();
                // LLaVA-NeXT: one wide image (672x336 on LLaVA-v1.6), a 1x2 tile grid under either rule set
                image = p.isAnyRes() ? RgbImage.filled(2 * side, side, 128, 128, 128) : ModelBenchmark.image(side);
                prompt = p.encode(ModelBenchmark.QUESTION, p.imageTokens(image.width(), image.height()), newTokens);
                once = st -> ModelBenchmark.run(p, prompt, image, st, newTokens);
                if (s == null) {
                    s = ScheduleOnlyStrategy.transPruneSchedule();
                    noSchedule = t.numLayers() > 12 ? null : "the default schedule needs more than 12 decoder layers";
                }
            }
            System.out.printf(
                    "prompt: %d tokens (%d image, %d text), %d new tokens, image %dx%d%n",
                    prompt.length(),
                    prompt.imageLength(),
                    prompt.length() - prompt.imageLength(),
                    newTokens,
                    image.width(),
                    image.height());
            ModelBenchmark.Run full = timed("unpruned", once, null, t);
            if (!noPruned && noSchedule != null) {
                System.out.println("pruned runs skipped: " + noSchedule);
            } else if (!noPruned) {
                ModelBenchmark.Run pruned = timed(s.name(), once, s, t);
                speedup(full, pruned, s, prompt.imageLength(), t);
            }
            Map<String, Long> mem = ModelBenchmark.memory();
            System.out.printf(
                    "memory: peak RSS (VmHWM) %.2f GB, now RSS %.2f GB = anonymous %.2f GB + file-backed"
                            + " %.2f GB (mapped checkpoint pages); peak anonymous (sampled) %.2f GB%n",
                    mem.getOrDefault("VmHWM", 0L) / 1e9,
                    mem.getOrDefault("VmRSS", 0L) / 1e9,
                    mem.getOrDefault("RssAnon", 0L) / 1e9,
                    mem.getOrDefault("RssFile", 0L) / 1e9,
                    anon.peak() / 1e9);
            System.out.printf(
                    "JVM heap committed %.2f GB (part of the anonymous memory)%n",
                    java.lang.Runtime.getRuntime().totalMemory() / 1e9);
            int peak = opened instanceof QwenPipeline q
                    ? q.model().peakWidenedLayers()
                    : ((LlavaPipeline) opened).model().peakWidenedLayers();
            int sets = opened instanceof QwenPipeline q
                    ? q.model().allocatedWideningBufferSets()
                    : ((LlavaPipeline) opened).model().allocatedWideningBufferSets();
            System.out.printf("widened layers: peak %d alive at once, %d buffer set(s) allocated%n", peak, sets);
        }
        return 0;
    }

    /** Measured prefill speedup against the theoretical FLOPs ratios (the paper's convention and all lengths). */
    private static void speedup(
            ModelBenchmark.Run full, ModelBenchmark.Run pruned, PruningStrategy s, int imageTokens, TextConfig t) {
        double measured = full.prefillSeconds() / pruned.prefillSeconds();
        double lengths = ModelBenchmark.prefillFlops(t, full.tokensPerLayer())
                / ModelBenchmark.prefillFlops(t, pruned.tokensPerLayer());
        PruneSchedule sched = s.schedule(imageTokens, t.numLayers());
        CostModel cost = CostModel.of(t);
        long unprunedFlops = cost.totalFlops(PruneSchedule.unpruned(imageTokens));
        long prunedFlops = cost.totalFlops(sched);
        double paper = (double) unprunedFlops / prunedFlops;
        System.out.printf(
                "FLOPs (image tokens only, the paper's convention): unpruned %.4g, pruned %.4g, ratio %.4f%n",
                (double) unprunedFlops, (double) prunedFlops, (double) prunedFlops / unprunedFlops);
        System.out.printf(
                "prefill speedup %.2fx; theoretical %.2fx (image tokens only, the paper's"
                        + " convention: %.2f / %.2f TFLOPs) -> %.2f of it; %.2fx over the processed lengths"
                        + " (text included) -> %.2f of it%n",
                measured,
                paper,
                unprunedFlops / 1e12,
                prunedFlops / 1e12,
                measured / paper,
                lengths,
                measured / lengths);
    }

    private ModelBenchmark.Run timed(
            String label, Function<PruningStrategy, ModelBenchmark.Run> once, PruningStrategy s, TextConfig t) {
        for (int i = 0; i < warmup; i++) {
            once.apply(s);
        }
        List<ModelBenchmark.Run> runs = new ArrayList<>();
        for (int i = 0; i < repeats; i++) {
            runs.add(once.apply(s));
        }
        runs.sort(Comparator.comparingDouble(ModelBenchmark.Run::prefillSeconds));
        ModelBenchmark.Run r = runs.get(runs.size() / 2);
        String spread = runs.size() == 1
                ? ""
                : String.format(
                        " (min %.2f, max %.2f)",
                        runs.get(0).prefillSeconds(), runs.get(runs.size() - 1).prefillSeconds());
        double rate = ModelBenchmark.prefillFlops(t, r.tokensPerLayer()) / r.prefillSeconds() / 1e9;
        System.out.printf(
                "%s: image %.2f s, prefill %.2f s%s = %.1f GFLOP/s, of which widening %.2f s, hooks %.3f s;"
                        + " decode %d tokens %.2f s = %.3f tokens/s; tokens per layer %s%n",
                label,
                r.imageSeconds(),
                r.prefillSeconds(),
                spread,
                rate,
                r.widenSeconds(),
                r.hookSeconds(),
                r.newTokens(),
                r.decodeSeconds(),
                r.decodeTokensPerSecond(),
                compact(r.tokensPerLayer()));
        return r;
    }

    /** {@code [616 x7, 544 x2, ...]}: runs of equal lengths. */
    private static String compact(int[] perLayer) {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < perLayer.length; ) {
            int j = i;
            while (j < perLayer.length && perLayer[j] == perLayer[i]) {
                j++;
            }
            b.append(b.length() > 1 ? ", " : "")
                    .append(perLayer[i])
                    .append(" x")
                    .append(j - i);
            i = j;
        }
        return b.append("]").toString();
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static double sum(int[] perLayer, TextConfig t) {
        double total = 0;
        for (int n : perLayer) {
            total += EngineBenchmark.layerFlops(t, n);
        }
        return total;
    }
}
