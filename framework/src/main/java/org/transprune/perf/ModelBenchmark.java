package org.transprune.perf;

import ai.djl.ndarray.NDArray;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.transprune.config.TextConfig;
import org.transprune.image.QwenImageProcessor;
import org.transprune.image.QwenPixels;
import org.transprune.image.RgbImage;
import org.transprune.model.ForwardHooks;
import org.transprune.model.Generation;
import org.transprune.model.ImageLayout;
import org.transprune.model.InferenceSession;
import org.transprune.model.LlavaModel;
import org.transprune.model.MropePositions;
import org.transprune.model.QwenModel;
import org.transprune.pipeline.LlavaPipeline;
import org.transprune.pipeline.QwenPipeline;
import org.transprune.prune.PruningStrategy;
import org.transprune.prune.StrategyRun;
import org.transprune.text.PromptTokens;

/**
 * Times a real checkpoint (LLaVA-1.5, LLaVA-NeXT or Qwen2.5-VL) end to end on one synthetic prompt with an image: image encoding, prefill
 * (unpruned and pruned), greedy decoding, and the process's memory. Figures are medians of
 * {@code repeats} after one warm-up unless the caller asks for no warm-up (a 7B prefill takes a
 * minute on two cores).
 */
public final class ModelBenchmark {
    private ModelBenchmark() {}

    /** A question of about 40 tokens after the chat template, as the benchmark asks. */
    public static final String QUESTION = "What is in this image ? Describe the shapes , their color and"
            + " where they are , and answer the question using a single word or phrase .";

    /** A synthetic grey image of {@code size} px (content does not change the timing). */
    public static RgbImage image(int size) {
        return RgbImage.filled(size, size, 128, 128, 128);
    }

    /** What one request cost. */
    public record Run(
            double imageSeconds,
            double prefillSeconds,
            double hookSeconds,
            int[] tokensPerLayer,
            int newTokens,
            double decodeSeconds,
            double widenSeconds,
            long widenings) {
        /** Decoding steps per second (the first new token comes from the prefill). */
        public double decodeTokensPerSecond() {
            return newTokens <= 1 ? 0 : (newTokens - 1) / decodeSeconds;
        }
    }

    /** Runs one request; {@code strategy} null for the unpruned model; decoding ignores EOS. */
    public static Run run(
            LlavaPipeline p, PromptTokens prompt, RgbImage image, PruningStrategy strategy, int newTokens) {
        LlavaModel model = p.model();
        double widen0 = model.widenSeconds();
        long widenings0 = model.widenings();
        try (InferenceSession session = model.newSession()) {
            long t0 = System.nanoTime();
            var embeddings = p.encodeImage(image, session.manager()); // every AnyRes view for LLaVA-NeXT
            double imageSeconds = (System.nanoTime() - t0) / 1e9;
            ForwardHooks hooks = strategy == null
                    ? ForwardHooks.NONE
                    : StrategyRun.start(strategy, prompt.imageLength(), p.numLayers(), 7)
                            .hooks();
            InferenceSession.PrefillResult prefill =
                    session.prefill(prompt.ids(), prompt.imageStart(), embeddings, null, hooks);
            double widenPrefill = model.widenSeconds() - widen0;
            Generation g = Generation.greedy(session, prefill, newTokens, Set.of());
            return new Run(
                    imageSeconds,
                    prefill.prefillNanos() / 1e9,
                    prefill.hookNanos() / 1e9,
                    prefill.tokensPerLayer(),
                    g.tokens().length,
                    g.decodeNanos() / 1e9,
                    widenPrefill,
                    model.widenings() - widenings0);
        }
    }

    /**
     * Runs one Qwen2.5-VL request: image processing and the vision tower (timed together as image encoding), then
     * prefill with the image's multimodal positions and greedy decoding; {@code strategy} null for the unpruned
     * model; decoding ignores EOS.
     */
    public static Run run(
            QwenPipeline p, PromptTokens prompt, RgbImage image, PruningStrategy strategy, int newTokens) {
        QwenModel model = p.model();
        double widen0 = model.widenSeconds();
        long widenings0 = model.widenings();
        try (InferenceSession session = model.newSession()) {
            long t0 = System.nanoTime();
            QwenPixels pixels = p.processor().preprocess(image);
            NDArray embeddings = model.encodeImage(pixels, session.manager());
            double imageSeconds = (System.nanoTime() - t0) / 1e9;
            int merge = model.config().vision().spatialMergeSize();
            int rows = pixels.gridH() / merge;
            int columns = pixels.gridW() / merge;
            int n = rows * columns;
            if (n != prompt.imageLength()) {
                throw new IllegalArgumentException(
                        "the prompt has " + prompt.imageLength() + " image tokens, the image gives " + n);
            }
            ForwardHooks hooks = strategy == null
                    ? ForwardHooks.NONE
                    : StrategyRun.start(strategy, n, p.numLayers(), 7).hooks();
            InferenceSession.PrefillResult prefill = session.prefill(
                    prompt.ids(),
                    prompt.imageStart(),
                    embeddings,
                    MropePositions.of(prompt.length(), prompt.imageStart(), rows, columns),
                    ImageLayout.singleView(rows, columns, n),
                    hooks);
            double widenPrefill = model.widenSeconds() - widen0;
            Generation g = Generation.greedy(session, prefill, newTokens, Set.of());
            return new Run(
                    imageSeconds,
                    prefill.prefillNanos() / 1e9,
                    prefill.hookNanos() / 1e9,
                    prefill.tokensPerLayer(),
                    g.tokens().length,
                    g.decodeNanos() / 1e9,
                    widenPrefill,
                    model.widenings() - widenings0);
        }
    }

    /**
     * The synthetic image of a Qwen2.5-VL benchmark: grey, {@code height x width} px. The default
     * {@value #QWEN_HEIGHT} x {@value #QWEN_WIDTH} is already a multiple of 28 px on both sides and gives a
     * 28 x 36 grid of 1,008 image tokens.
     */
    public static RgbImage qwenImage(int height, int width) {
        return RgbImage.filled(width, height, 128, 128, 128);
    }

    /** Default height of {@link #qwenImage}: 28 token rows of 28 px. */
    public static final int QWEN_HEIGHT = 784;
    /** Default width of {@link #qwenImage}: 36 token columns of 28 px. */
    public static final int QWEN_WIDTH = 1008;

    /**
     * The {@code max_pixels} that keeps an image of this size at its own size (smart resize only rounds it to
     * multiples of {@code factor}), and never below the project's CPU default.
     */
    public static int qwenMaxPixelsFor(int height, int width, int factor) {
        long h = Math.max(factor, (long) Math.rint((double) height / factor) * factor);
        long w = Math.max(factor, (long) Math.rint((double) width / factor) * factor);
        return (int) Math.max(QwenImageProcessor.CPU_MAX_PIXELS, Math.min(Integer.MAX_VALUE, h * w));
    }

    /** Multiply-add FLOPs (x2) of the decoder prefill over the lengths each layer processed. */
    public static double prefillFlops(TextConfig t, int[] tokensPerLayer) {
        return Arrays.stream(tokensPerLayer)
                .mapToDouble(n -> EngineBenchmark.layerFlops(t, n))
                .sum();
    }

    /** VmHWM, VmRSS, RssAnon and RssFile of this process from /proc/self/status, in bytes (empty elsewhere). */
    public static Map<String, Long> memory() {
        Map<String, Long> out = new LinkedHashMap<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                for (String key : new String[] {"VmHWM", "VmRSS", "RssAnon", "RssFile"}) {
                    if (line.startsWith(key + ":")) {
                        out.put(key, Long.parseLong(line.replaceAll("\\D", "")) * 1024);
                    }
                }
            }
        } catch (IOException | NumberFormatException e) {
            // not Linux: no figures
        }
        return out;
    }

    /**
     * Samples RssAnon (memory the process owns, as opposed to clean file pages of the memory-mapped
     * checkpoint that the kernel can drop) every 100 ms and keeps the peak; the kernel's VmHWM counts
     * both and has no anonymous-only high-water mark.
     */
    public static final class AnonPeak implements AutoCloseable {
        private volatile long peak;
        private volatile boolean running = true;
        private final Thread thread;

        public AnonPeak() {
            thread = new Thread(
                    () -> {
                        while (running) {
                            peak = Math.max(peak, memory().getOrDefault("RssAnon", 0L));
                            try {
                                Thread.sleep(100);
                            } catch (InterruptedException e) {
                                return;
                            }
                        }
                    },
                    "rss-anon-sampler");
            thread.setDaemon(true);
            thread.start();
        }

        public long peak() {
            return Math.max(peak, memory().getOrDefault("RssAnon", 0L));
        }

        @Override
        public void close() {
            running = false;
            thread.interrupt();
        }
    }
}
