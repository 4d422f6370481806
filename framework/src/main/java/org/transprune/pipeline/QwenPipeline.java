package org.transprune.pipeline;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.transprune.checkpoint.CheckpointException;
import org.transprune.checkpoint.QwenCheckpoint;
import org.transprune.checkpoint.QwenCheckpoints;
import org.transprune.config.TextConfig;
import org.transprune.image.QwenImageProcessor;
import org.transprune.image.QwenPixels;
import org.transprune.image.RgbImage;
import org.transprune.image.TokenOrigins;
import org.transprune.model.ComputeDtype;
import org.transprune.model.DeviceChoice;
import org.transprune.model.ForwardHooks;
import org.transprune.model.Generation;
import org.transprune.model.ImageLayout;
import org.transprune.model.InferenceSession;
import org.transprune.model.LlavaModel;
import org.transprune.model.MropePositions;
import org.transprune.model.QwenModel;
import org.transprune.model.WeightPlanning;
import org.transprune.model.WeightPolicy;
import org.transprune.prune.PruningStrategy;
import org.transprune.prune.StrategyRun;
import org.transprune.text.PromptTokens;
import org.transprune.text.QwenPrompt;
import org.transprune.text.Tokenizer;

/**
 * A Qwen2.5-VL checkpoint ready to answer: model, tokenizer, image processor and chat format, with the same
 * pruning hooks as {@link LlavaPipeline}. The number of image tokens follows the image (smart resize within
 * {@code max_pixels}); each token's origin is its merged 2x2 block's row and column. Thread-confined; close it
 * to release native memory and the mapped files.
 */
public final class QwenPipeline implements AnsweringPipeline {
    private final QwenCheckpoint checkpoint;
    private final QwenModel model;
    private final Tokenizer tokenizer;
    private final QwenImageProcessor processor;
    private final Set<Integer> stopTokens;
    private final WeightPlanning.WeightPlan weightPlan;
    private final long loadNanos;
    private final Map<String, CachedImage> imageCache = new HashMap<>();
    private final QwenProjectorStep projectorStep = new QwenProjectorStep();
    private long imageCacheBytes;

    /** Bound of the image cache: 256 MiB, as {@link LlavaPipeline#DEFAULT_IMAGE_CACHE_BYTES}. */
    private static final long IMAGE_CACHE_BYTES = LlavaPipeline.DEFAULT_IMAGE_CACHE_BYTES;

    private record CachedImage(float[] values, Shape shape, int rows, int columns) {}

    /**
     * How to open a checkpoint.
     *
     * @param device where to run
     * @param weights decoder weight storage; AUTO is planned from the memory available
     * @param residentLayers under half-resident storage, the last decoder layers kept in fp32, or null to plan
     * @param dtype compute precision; AUTO is fp16 on a GPU and fp32 on a CPU
     * @param maxPixels the image processor's {@code max_pixels}, or null for the project's CPU default
     *     ({@link QwenImageProcessor#CPU_MAX_PIXELS}; the checkpoint's own value is meant for GPUs)
     */
    public record Options(
            DeviceChoice device, WeightPolicy weights, Integer residentLayers, ComputeDtype dtype, Integer maxPixels) {
        /** Null device, weights or dtype mean AUTO. */
        public Options {
            device = device == null ? DeviceChoice.AUTO : device;
            weights = weights == null ? WeightPolicy.AUTO : weights;
            dtype = dtype == null ? ComputeDtype.AUTO : dtype;
        }

        public static Options defaults() {
            return new Options(DeviceChoice.AUTO, WeightPolicy.AUTO, null, ComputeDtype.AUTO, null);
        }

        /** The options of a LLaVA pipeline, with the default {@code max_pixels}. */
        public static Options of(LlavaPipeline.Options o) {
            return new Options(o.device(), o.weights(), o.residentLayers(), o.dtype(), null);
        }

        public Options withMaxPixels(Integer pixels) {
            return new Options(device, weights, residentLayers, dtype, pixels);
        }
    }

    private QwenPipeline(
            QwenCheckpoint checkpoint,
            QwenModel model,
            Tokenizer tokenizer,
            QwenImageProcessor processor,
            WeightPlanning.WeightPlan weightPlan,
            long loadNanos) {
        this.checkpoint = checkpoint;
        this.model = model;
        this.tokenizer = tokenizer;
        this.processor = processor;
        this.weightPlan = weightPlan;
        this.loadNanos = loadNanos;
        this.stopTokens = QwenPrompt.stopTokens(tokenizer);
    }

    /**
     * Opens a Qwen2.5-VL checkpoint directory.
     *
     * @throws CheckpointException naming the file and the problem
     */
    public static QwenPipeline open(Path dir, Options options) {
        long t0 = System.nanoTime();
        Device device = options.device().resolve();
        QwenCheckpoint ckpt = QwenCheckpoints.open(dir);
        try {
            QwenCheckpoints.validate(ckpt);
            Tokenizer tokenizer = Tokenizer.load(QwenCheckpoints.validateTokenizer(ckpt));
            int maxPixels = options.maxPixels() == null ? QwenImageProcessor.CPU_MAX_PIXELS : options.maxPixels();
            QwenImageProcessor processor;
            try {
                processor = ckpt.preprocessorConfig()
                        .map(p -> QwenImageProcessor.fromConfig(p, maxPixels))
                        .orElseGet(() -> QwenImageProcessor.withMaxPixels(maxPixels));
            } catch (IllegalArgumentException e) {
                throw new CheckpointException(e.getMessage(), e);
            }
            ComputeDtype dtype = options.dtype().resolve(device);
            var text = ckpt.config().text();
            WeightPlanning.WeightPlan plan = dtype == ComputeDtype.FP16
                    ? new WeightPlanning.WeightPlan(
                            WeightPolicy.FP32, text.numLayers(), "fp16 compute: every weight held in fp16")
                    : WeightPlanning.plan(
                            options.weights(),
                            options.residentLayers(),
                            text,
                            WeightPlanning.fp32QwenVisionBytes(ckpt.config()),
                            WeightPlanning.availableBytes());
            QwenModel model =
                    QwenModel.load(ckpt.config(), ckpt.tensors(), device, plan.policy(), plan.residentLayers(), dtype);
            return new QwenPipeline(ckpt, model, tokenizer, processor, plan, System.nanoTime() - t0);
        } catch (RuntimeException e) {
            closeQuietly(ckpt);
            throw e;
        }
    }

    public QwenModel model() {
        return model;
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    public QwenImageProcessor processor() {
        return processor;
    }

    public QwenCheckpoint checkpoint() {
        return checkpoint;
    }

    public WeightPlanning.WeightPlan weightPlan() {
        return weightPlan;
    }

    /** Wall time of {@link #open}. */
    @Override
    public long loadNanos() {
        return loadNanos;
    }

    /** Tokens that end generation. */
    public Set<Integer> stopTokens() {
        return Set.copyOf(stopTokens);
    }

    /** Layers of the decoder, for schedules. */
    public int numLayers() {
        return model.config().text().numLayers();
    }

    /** Merged-token rows and columns an image of this size gives. */
    public int[] tokenGrid(int height, int width) {
        int[] hw = processor.resizedSize(height, width);
        return new int[] {hw[0] / processor.factor(), hw[1] / processor.factor()};
    }

    /** Where each image token of an image of this size comes from: its merged block's row and column. */
    public TokenOrigins origins(int height, int width) {
        int[] grid = tokenGrid(height, width);
        return TokenOrigins.grid(grid[0], grid[1]);
    }

    /** Encodes a question around {@code imageTokens} image tokens (0: text only). */
    public PromptTokens encode(String question, int imageTokens, int maxNewTokens) {
        return QwenPrompt.encode(
                tokenizer, question, imageTokens, model.config().text().maxPositionEmbeddings(), maxNewTokens);
    }

    /** Answers one question greedily; {@code image} may be null for a text-only prompt. */
    public LlavaPipeline.Answer answer(
            String question, RgbImage image, PruningStrategy strategy, long seed, int maxNewTokens) {
        return answer(question, null, () -> image, strategy, seed, maxNewTokens);
    }

    /**
     * Answers one question greedily, reusing the image tokens of {@code imageKey} when they were computed before
     * (the tower does not depend on the strategy); as {@link LlavaPipeline#answer(String, String, Supplier,
     * PruningStrategy, long, int)}.
     */
    @Override
    public LlavaPipeline.Answer answer(
            String question,
            String imageKey,
            Supplier<RgbImage> image,
            PruningStrategy strategy,
            long seed,
            int maxNewTokens) {
        if (strategy != null && strategy.projectorStage() != null) {
            return projectorStep.answer(this, question, imageKey, image, strategy, seed, maxNewTokens);
        }
        CachedImage cached = imageKey == null ? null : imageCache.get(imageKey);
        RgbImage rgb = cached == null ? image.get() : null;
        try (InferenceSession session = model.newSession()) {
            long t0 = System.nanoTime();
            NDArray embeddings = null;
            int rows = 0;
            int columns = 0;
            if (cached != null) {
                embeddings = model.imageEmbeddings(cached.values(), cached.shape(), session.manager());
                rows = cached.rows();
                columns = cached.columns();
            } else if (rgb != null) {
                QwenPixels pixels = processor.preprocess(rgb);
                int merge = model.config().vision().spatialMergeSize();
                rows = pixels.gridH() / merge;
                columns = pixels.gridW() / merge;
                embeddings = model.encodeImage(pixels, session.manager());
                long bytes = 4L * embeddings.size();
                if (imageKey != null && imageCacheBytes + bytes <= IMAGE_CACHE_BYTES) {
                    imageCache.put(
                            imageKey,
                            new CachedImage(LlavaModel.floats(embeddings), embeddings.getShape(), rows, columns));
                    imageCacheBytes += bytes;
                }
            }
            long imageNanos = System.nanoTime() - t0;
            int n = rows * columns;
            PromptTokens prompt = encode(question, n, maxNewTokens);
            StrategyRun run = strategy == null || n == 0
                    ? null
                    : StrategyRun.start(strategy, n, model.config().text().numLayers(), seed);
            ForwardHooks hooks = run == null ? ForwardHooks.NONE : run.hooks();
            int[][] positions = MropePositions.of(prompt.length(), prompt.imageStart(), rows, columns);
            InferenceSession.PrefillResult prefill = session.prefill(
                    prompt.ids(),
                    prompt.imageStart(),
                    embeddings,
                    positions,
                    n == 0 ? null : ImageLayout.singleView(rows, columns, n),
                    hooks);
            Generation gen = Generation.greedy(session, prefill, maxNewTokens, stopTokens);
            return new LlavaPipeline.Answer(
                    tokenizer.decode(gen.tokens()).strip(),
                    gen,
                    prompt,
                    run,
                    imageNanos,
                    n == 0 ? null : TokenOrigins.grid(rows, columns),
                    null);
        }
    }

    /** Whether the image tokens of {@code imageKey} are cached. */
    @Override
    public boolean hasCachedImage(String imageKey) {
        return imageKey != null && imageCache.containsKey(imageKey);
    }

    /**
     * Whether {@code strategy} can answer about {@code imageKey} without the image being read again: its tokens
     * are cached or, for a strategy with a projector stage, the tower outputs it needs.
     */
    @Override
    public boolean hasCachedImage(String imageKey, PruningStrategy strategy) {
        if (strategy != null && strategy.projectorStage() != null) {
            return projectorStep.hasCached(imageKey, strategy.projectorStage());
        }
        return hasCachedImage(imageKey);
    }

    /** A short description for logs and provenance. */
    @Override
    public List<String> describe() {
        return List.of(
                "checkpoint " + checkpoint.directory() + " (" + QwenCheckpoint.LAYOUT + ")",
                "device " + model.device() + ", compute " + model.dtype() + ", decoder weights "
                        + (model.dtype() == ComputeDtype.FP16 ? "FP16" : model.weightPolicy()) + " ("
                        + weightPlan.reason() + ")",
                "template qwen2.5-vl chat, max_pixels " + processor.maxPixels());
    }

    @Override
    public ComputeDtype computeDtype() {
        return model.dtype();
    }

    @Override
    public TextConfig text() {
        return model.config().text();
    }

    /** Always: the token count follows the image. */
    @Override
    public boolean variableImageTokens() {
        return true;
    }

    /** 0: Qwen2.5-VL has no fixed grid. */
    @Override
    public int gridSize() {
        return 0;
    }

    @Override
    public void close() {
        model.close();
        closeQuietly(checkpoint);
        tokenizer.close();
    }

    private static void closeQuietly(QwenCheckpoint c) {
        try {
            c.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
