package org.transprune.pipeline;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.transprune.checkpoint.Checkpoint;
import org.transprune.checkpoint.CheckpointException;
import org.transprune.checkpoint.Checkpoints;
import org.transprune.config.TextConfig;
import org.transprune.image.AnyResPlan;
import org.transprune.image.AnyResRules;
import org.transprune.image.ImagePreprocessor;
import org.transprune.image.PixelValues;
import org.transprune.image.RgbImage;
import org.transprune.image.TokenOrigins;
import org.transprune.model.AnyResEncoder;
import org.transprune.model.ComputeDtype;
import org.transprune.model.DeviceChoice;
import org.transprune.model.ForwardHooks;
import org.transprune.model.Generation;
import org.transprune.model.InferenceSession;
import org.transprune.model.LlavaModel;
import org.transprune.model.WeightPlanning;
import org.transprune.model.WeightPolicy;
import org.transprune.prune.PruningStrategy;
import org.transprune.prune.StrategyRun;
import org.transprune.text.ChatTemplate;
import org.transprune.text.PromptEncoder;
import org.transprune.text.PromptTokens;
import org.transprune.text.PromptTooLongException;
import org.transprune.text.Tokenizer;

/**
 * A LLaVA checkpoint ready to answer: model, tokenizer, image preprocessor and chat template.
 * Thread-confined, like the model. Close it to release native memory and the mapped files.
 */
public final class LlavaPipeline implements AnsweringPipeline {
    private final Checkpoint checkpoint;
    private final LlavaModel model;
    private final Tokenizer tokenizer;
    private final ImagePreprocessor preprocessor;
    private final ChatTemplate template;
    private final Set<Integer> stopTokens;
    private final long loadNanos;
    private final WeightPlanning.WeightPlan weightPlan;
    /** LLaVA-NeXT's multi-view encoder, or null for a single-view (LLaVA-1.5) checkpoint. */
    private final AnyResEncoder anyRes;
    /** The original code's cut of the sequence, or null for none. */
    private final Integer maxLengthCut;
    /** Image embeddings by image key, kept across requests: the tower does not depend on the strategy. */
    private final Map<String, CachedImage> imageCache = new HashMap<>();
    /** Strategies that decide before the decoder run through here (docs/method.md#projector-stage). */
    private final ProjectorStep projectorStep = new ProjectorStep();

    private long imageCacheBytes;
    private long imageCacheLimit = DEFAULT_IMAGE_CACHE_BYTES;

    /** Default bound of the image-embedding cache: 256 MiB (every micro-model image of a sweep; ~27 LLaVA-1.5 images). */
    public static final long DEFAULT_IMAGE_CACHE_BYTES = 256L << 20;

    /**
     * An image's embeddings ({@code [N, hidden]}; N varies per image under AnyRes), its tokens' origins
     * and its AnyRes plan (null for a single view).
     */
    private record CachedImage(float[] values, Shape shape, TokenOrigins origins, AnyResPlan plan) {}

    /**
     * How to open a checkpoint.
     *
     * @param device where to run
     * @param weights decoder weight storage; AUTO is resolved from the memory available
     * @param template conversation format, {@code vicuna_v1} for LLaVA-1.5
     * @param visionTower the CLIP tower directory for original-layout checkpoints, or null
     * @param residentLayers under half-resident storage, how many of the last decoder layers to hold
     *     in fp32 for good (faster decoding, more memory); null lets AUTO plan it (HALF: none)
     * @param dtype compute precision; AUTO is fp16 on a GPU and fp32 on a CPU
     * @param anyRes LLaVA-NeXT's rule set, or null for the checkpoint layout's own (ignored by
     *     single-view checkpoints)
     * @param maxLengthCut null: a prompt must fit the model's context (else {@link PromptTooLongException});
     *     a number reproduces the original LLaVA code's cut of the whole sequence (text and image
     *     tokens) to its first {@code maxLengthCut} tokens ({@code tokenizer_model_max_length}), which
     *     may shorten the image block and drop the question after it
     */
    public record Options(
            DeviceChoice device,
            WeightPolicy weights,
            String template,
            Path visionTower,
            Integer residentLayers,
            ComputeDtype dtype,
            AnyResRules anyRes,
            Integer maxLengthCut) {
        public Options {
            if (maxLengthCut != null && maxLengthCut < 1) {
                throw new IllegalArgumentException("max length cut must be at least 1, got " + maxLengthCut);
            }
        }

        /** Options with the checkpoint's own AnyRes rule set and no cut. */
        public Options(
                DeviceChoice device,
                WeightPolicy weights,
                String template,
                Path visionTower,
                Integer residentLayers,
                ComputeDtype dtype) {
            this(device, weights, template, visionTower, residentLayers, dtype, null, null);
        }

        /** Options with the compute dtype chosen by the device ({@link ComputeDtype#AUTO}). */
        public Options(
                DeviceChoice device, WeightPolicy weights, String template, Path visionTower, Integer residentLayers) {
            this(device, weights, template, visionTower, residentLayers, ComputeDtype.AUTO);
        }

        /** Options with the device by name ({@code cpu}, {@code gpu} or {@code auto}, as experiment files give it). */
        public Options(String device, WeightPolicy weights, String template, Path visionTower) {
            this(DeviceChoice.parse(device), weights, template, visionTower, null);
        }

        public static Options defaults() {
            return new Options(DeviceChoice.AUTO, WeightPolicy.AUTO, "vicuna_v1", null, null);
        }

        /** These options computing in {@code dtype}. */
        public Options withDtype(ComputeDtype dtype) {
            return new Options(device, weights, template, visionTower, residentLayers, dtype, anyRes, maxLengthCut);
        }

        /** These options reading LLaVA-NeXT images under {@code rules} (null: the checkpoint layout's own). */
        public Options withAnyRes(AnyResRules rules) {
            return new Options(device, weights, template, visionTower, residentLayers, dtype, rules, maxLengthCut);
        }

        /** These options cutting every sequence to its first {@code tokens} tokens (null: no cut), as the original code. */
        public Options withMaxLengthCut(Integer tokens) {
            return new Options(device, weights, template, visionTower, residentLayers, dtype, anyRes, tokens);
        }
    }

    /**
     * Everything one request produced.
     *
     * @param text the decoded answer
     * @param generation tokens, prefill result and timings
     * @param prompt the encoded prompt
     * @param run the strategy's record of the request (stages, scoring time), or null unpruned
     * @param imageNanos time to preprocess and encode the image (tower + projector)
     * @param origins where each of the prompt's image tokens came from (in the original image
     *     block's order), or null without an image (or for a single view with a CLS feature)
     * @param plan the image's LLaVA-NeXT AnyRes plan (views, grid, unpadding), or null for a single view
     */
    public record Answer(
            String text,
            Generation generation,
            PromptTokens prompt,
            StrategyRun run,
            long imageNanos,
            TokenOrigins origins,
            AnyResPlan plan) {

        public double prefillMillis() {
            return generation.prefill().prefillNanos() / 1e6;
        }

        public double decodeMillis() {
            return generation.decodeNanos() / 1e6;
        }
    }

    private LlavaPipeline(
            Checkpoint checkpoint,
            LlavaModel model,
            Tokenizer tokenizer,
            ImagePreprocessor preprocessor,
            ChatTemplate template,
            WeightPlanning.WeightPlan weightPlan,
            AnyResEncoder anyRes,
            Integer maxLengthCut,
            long loadNanos) {
        this.weightPlan = weightPlan;
        this.anyRes = anyRes;
        this.maxLengthCut = maxLengthCut;
        this.checkpoint = checkpoint;
        this.model = model;
        this.tokenizer = tokenizer;
        this.preprocessor = preprocessor;
        this.template = template;
        this.loadNanos = loadNanos;
        this.stopTokens = new HashSet<>();
        tokenizer.eosId().ifPresent(stopTokens::add);
    }

    /**
     * Opens a checkpoint directory (llava-hf or original LLaVA layout).
     *
     * @throws CheckpointException naming the file and the problem
     */
    public static LlavaPipeline open(Path dir, Options options) {
        long t0 = System.nanoTime();
        ChatTemplate template = ChatTemplate.named(options.template());
        Device device = options.device().resolve();
        Checkpoint ckpt =
                options.visionTower() == null ? Checkpoints.open(dir) : Checkpoints.open(dir, options.visionTower());
        try {
            Checkpoints.validate(ckpt);
            Path tok = Checkpoints.validateTokenizer(ckpt);
            Tokenizer tokenizer = Tokenizer.load(tok);
            ImagePreprocessor pre = ckpt.preprocessorConfig()
                    .map(ImagePreprocessor::fromConfig)
                    .orElseGet(
                            () -> ImagePreprocessor.clip(ckpt.config().vision().imageSize()));
            if (pre.cropHeight() != ckpt.config().vision().imageSize()) {
                throw new CheckpointException(
                        ckpt.preprocessorConfig().map(Path::toString).orElse(dir.toString())
                                + ": crop size " + pre.cropHeight() + " does not match the vision tower's image size "
                                + ckpt.config().vision().imageSize());
            }
            ComputeDtype dtype = options.dtype().resolve(device);
            WeightPlanning.WeightPlan plan = dtype == ComputeDtype.FP16
                    ? new WeightPlanning.WeightPlan(
                            WeightPolicy.FP32,
                            ckpt.config().text().numLayers(),
                            "fp16 compute: every weight held in fp16")
                    : WeightPlanning.plan(
                            options.weights(),
                            options.residentLayers(),
                            ckpt.config(),
                            WeightPlanning.availableBytes());
            LlavaModel model =
                    LlavaModel.load(ckpt.config(), ckpt.tensors(), device, plan.policy(), plan.residentLayers(), dtype);
            if (model.fp16Overflows() > 0) {
                System.err.println("warning: " + model.fp16Overflows() + " weight values of " + dir
                        + " lie beyond fp16's range (65504) and became infinite in fp16; use --dtype fp32");
            }
            AnyResEncoder anyRes = null;
            if (ckpt.config().isAnyRes()) {
                try {
                    anyRes = AnyResEncoder.load(model, ckpt.tensors());
                } catch (RuntimeException e) {
                    model.close();
                    throw e;
                }
                if (options.anyRes() != null) {
                    anyRes = anyRes.withRules(options.anyRes());
                }
            }
            return new LlavaPipeline(
                    ckpt,
                    model,
                    tokenizer,
                    pre,
                    template,
                    plan,
                    anyRes,
                    options.maxLengthCut(),
                    System.nanoTime() - t0);
        } catch (RuntimeException e) {
            closeQuietly(ckpt);
            throw e;
        }
    }

    public LlavaModel model() {
        return model;
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    public ImagePreprocessor preprocessor() {
        return preprocessor;
    }

    public ChatTemplate template() {
        return template;
    }

    public Checkpoint checkpoint() {
        return checkpoint;
    }

    /** How decoder weights are held and why (AUTO's decision with its figures). */
    public WeightPlanning.WeightPlan weightPlan() {
        return weightPlan;
    }

    /** Wall time of {@link #open}. */
    public long loadNanos() {
        return loadNanos;
    }

    /** LLaVA-NeXT's multi-view encoder with the rule set in use, or null for a single-view checkpoint. */
    public AnyResEncoder anyRes() {
        return anyRes;
    }

    /** Whether images are encoded with LLaVA-NeXT's AnyRes (the image-token count varies per image). */
    public boolean isAnyRes() {
        return anyRes != null;
    }

    /** Image tokens an image of {@code width x height} pixels gives this model (576 for LLaVA-1.5's every image). */
    public int imageTokens(int width, int height) {
        return anyRes == null
                ? model.config().imageTokens()
                : anyRes.plan(width, height).imageTokens();
    }

    /**
     * Where each image token of an image of {@code width x height} pixels comes from, in prompt order;
     * null for a single view that keeps the CLS feature ({@code vision_feature_select_strategy: full}).
     */
    public TokenOrigins origins(int width, int height) {
        if (anyRes != null) {
            return anyRes.plan(width, height).origins();
        }
        int grid = model.config().vision().gridSize();
        return grid * grid == model.config().imageTokens() ? TokenOrigins.singleView(grid) : null;
    }

    /**
     * The image's embeddings for the decoder, {@code [imageTokens(width, height), hidden]} in {@code into}:
     * the preprocessed image through tower and projector, or under AnyRes every view of its plan.
     */
    public NDArray encodeImage(RgbImage rgb, NDManager into) {
        if (anyRes != null) {
            return anyRes.encode(rgb, preprocessor, into);
        }
        PixelValues pixels = preprocessor.preprocess(rgb);
        return model.encodeImage(pixels.data(), into);
    }

    /**
     * Encodes a question with the template, expanding {@code <image>} to the model's image tokens.
     *
     * @throws IllegalStateException with an image under AnyRes, whose image-token count depends on the
     *     image: use {@link #encode(String, int, int)} with {@link #imageTokens(int, int)}
     */
    public PromptTokens encode(String question, boolean withImage, int maxNewTokens) {
        if (withImage && anyRes != null) {
            throw new IllegalStateException("a LLaVA-NeXT (AnyRes) prompt's image-token count depends on the image;"
                    + " give it (imageTokens(width, height))");
        }
        return encode(question, withImage ? model.config().imageTokens() : 0, maxNewTokens);
    }

    /**
     * Encodes a question with the template, expanding {@code <image>} to {@code imageTokens} image
     * tokens (0: none); under {@link Options#maxLengthCut} the sequence is cut to its first tokens,
     * which may leave fewer image tokens ({@link PromptTokens#imageLength()}).
     *
     * @throws PromptTooLongException when the (cut) prompt plus {@code maxNewTokens} exceed the model's context
     */
    public PromptTokens encode(String question, int imageTokens, int maxNewTokens) {
        int context = model.config().text().maxPositionEmbeddings();
        if (maxLengthCut == null) {
            return PromptEncoder.encode(tokenizer, template, question, imageTokens, context, maxNewTokens);
        }
        PromptTokens full = PromptEncoder.encode(tokenizer, template, question, imageTokens, Integer.MAX_VALUE, 0);
        if (full.length() <= maxLengthCut) {
            return PromptEncoder.encode(tokenizer, template, question, imageTokens, context, maxNewTokens);
        }
        int[] ids = java.util.Arrays.copyOf(full.ids(), maxLengthCut);
        int image = Math.max(0, Math.min(full.imageLength(), maxLengthCut - full.imageStart()));
        if (ids.length + maxNewTokens > context) {
            throw new PromptTooLongException(ids.length - image, image, maxNewTokens, context);
        }
        return new PromptTokens(ids, image == 0 ? ids.length : full.imageStart(), image);
    }

    /** The original code's sequence cut in use, or null for none. */
    public Integer maxLengthCut() {
        return maxLengthCut;
    }

    /**
     * Answers one question greedily.
     *
     * @param image the image, or null for a text-only prompt
     * @param strategy the pruning strategy, or null for the unpruned model
     * @param seed the request's seed, for strategies that draw random numbers
     */
    public Answer answer(String question, RgbImage image, PruningStrategy strategy, long seed, int maxNewTokens) {
        return answer(question, null, () -> image, strategy, seed, maxNewTokens);
    }

    /**
     * Answers one question greedily, reusing the image's embeddings when {@code imageKey} was seen
     * before: the tower and projector do not depend on the strategy, so a sweep encodes each image
     * once. The cache keeps the first images up to {@link #imageCacheLimit(long)} bytes and evicts
     * nothing; reused embeddings are the same floats, so answers are identical.
     *
     * @param imageKey what identifies the image (its file), or null to neither use nor fill the cache
     * @param image supplies the image when it is not cached; may supply null for a text-only prompt
     */
    public Answer answer(
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
        // this image's token count and origins: fixed for LLaVA-1.5, per image under AnyRes
        int imageTokens =
                cached != null ? (int) cached.shape().get(0) : rgb == null ? 0 : imageTokens(rgb.width(), rgb.height());
        AnyResPlan plan = cached != null
                ? cached.plan()
                : rgb == null || anyRes == null ? null : anyRes.plan(rgb.width(), rgb.height());
        TokenOrigins origins = cached != null
                ? cached.origins()
                : rgb == null ? null : plan != null ? plan.origins() : origins(rgb.width(), rgb.height());
        PromptTokens prompt = encode(question, imageTokens, maxNewTokens);
        try (InferenceSession session = model.newSession()) {
            long t0 = System.nanoTime();
            NDArray imageEmbeddings = null;
            if (cached != null) {
                imageEmbeddings = model.imageEmbeddings(cached.values(), cached.shape(), session.manager());
            } else if (rgb != null) {
                imageEmbeddings = encodeImage(rgb, session.manager());
                long bytes = 4L * imageEmbeddings.size();
                if (imageKey != null && imageCacheBytes + bytes <= imageCacheLimit) {
                    imageCache.put(
                            imageKey,
                            new CachedImage(
                                    LlavaModel.floats(imageEmbeddings), imageEmbeddings.getShape(), origins, plan));
                    imageCacheBytes += bytes;
                }
            }
            if (imageEmbeddings != null && prompt.imageLength() < imageTokens) {
                // the sequence cut (maxLengthCut) shortened the image block: keep its first rows
                imageEmbeddings = prompt.imageLength() == 0 ? null : imageEmbeddings.get("0:" + prompt.imageLength());
                origins = origins == null || prompt.imageLength() == 0
                        ? null
                        : new TokenOrigins(origins.all().subList(0, prompt.imageLength()));
            }
            long imageNanos = System.nanoTime() - t0;
            StrategyRun run = strategy == null || imageEmbeddings == null
                    ? null
                    : StrategyRun.start(
                            strategy,
                            prompt.imageLength(),
                            model.config().text().numLayers(),
                            seed);
            ForwardHooks hooks = run == null ? ForwardHooks.NONE : run.hooks();
            InferenceSession.PrefillResult prefill =
                    session.prefill(prompt.ids(), prompt.imageStart(), imageEmbeddings, origins, null, hooks);
            Generation gen = Generation.greedy(session, prefill, maxNewTokens, stopTokens);
            return new Answer(tokenizer.decode(gen.tokens()).strip(), gen, prompt, run, imageNanos, origins, plan);
        }
    }

    /** Whether the embeddings of {@code imageKey} are cached (its image need not be read again). */
    public boolean hasCachedImage(String imageKey) {
        return imageKey != null && imageCache.containsKey(imageKey);
    }

    /**
     * Whether {@code strategy} can answer about {@code imageKey} without the image being read again:
     * its embeddings are cached or, for a strategy with a projector stage, the tower outputs it needs.
     */
    @Override
    public boolean hasCachedImage(String imageKey, PruningStrategy strategy) {
        if (strategy != null && strategy.projectorStage() != null) {
            return projectorStep.hasCached(imageKey, strategy.projectorStage());
        }
        return hasCachedImage(imageKey);
    }

    /** Bounds the image-embedding cache (0 turns it off); images already cached stay. */
    public LlavaPipeline imageCacheLimit(long bytes) {
        this.imageCacheLimit = bytes;
        return this;
    }

    /** Tokens that end generation (the tokenizer's EOS). */
    public Set<Integer> stopTokens() {
        return Set.copyOf(stopTokens);
    }

    /** Layers of the decoder, for schedules. */
    public int numLayers() {
        return model.config().text().numLayers();
    }

    /** A short description for logs and provenance. */
    public List<String> describe() {
        return List.of(
                "checkpoint " + checkpoint.directory() + " (" + checkpoint.layout()
                        + (anyRes == null ? "" : ", LLaVA-NeXT anyres " + anyRes.rules()) + ")",
                "device " + model.device() + ", compute " + model.dtype() + ", decoder weights "
                        + (model.dtype() == ComputeDtype.FP16 ? "FP16" : model.weightPolicy()) + " ("
                        + weightPlan.reason() + ")",
                "template " + template.id());
    }

    @Override
    public ComputeDtype computeDtype() {
        return model.dtype();
    }

    @Override
    public TextConfig text() {
        return model.config().text();
    }

    @Override
    public boolean variableImageTokens() {
        return isAnyRes();
    }

    @Override
    public int gridSize() {
        return model.config().vision().gridSize();
    }

    @Override
    public void close() {
        model.close();
        closeQuietly(checkpoint);
        tokenizer.close();
    }

    private static void closeQuietly(Checkpoint c) {
        try {
            c.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
