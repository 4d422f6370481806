package org.transprune.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.transprune.image.RgbImage;
import org.transprune.image.TokenOrigin;
import org.transprune.image.TokenOrigins;
import org.transprune.model.Generation;
import org.transprune.model.InferenceSession;
import org.transprune.model.LlavaModel;
import org.transprune.model.ProjectorSignal;
import org.transprune.model.TowerPass;
import org.transprune.prune.MergeRule;
import org.transprune.prune.ProjectorDecision;
import org.transprune.prune.ProjectorInputs;
import org.transprune.prune.ProjectorStage;
import org.transprune.prune.PruningStrategy;
import org.transprune.prune.StrategyRun;
import org.transprune.text.PromptTokens;

/**
 * The projector stage of a request (docs/method.md#projector-stage): computes the signals the
 * strategy declared, asks for its decision, builds the image block that enters the decoder (kept
 * tokens, merged tokens by the stage's {@link MergeRule}, the CLS token if asked) and runs the
 * decoder on the shorter prompt with the strategy's in-LLM part, if any.
 */
public final class ProjectorStep {
    /** Bound of the tower-output cache (features, CLS, attention, keys of each image). */
    static final long CACHE_BYTES = 256L << 20;

    private final Map<String, Tower> cache = new HashMap<>();
    private long cacheBytes;
    private final AnyResProjectorStep anyRes = new AnyResProjectorStep();

    /**
     * The tower's outputs of one image as Java floats (reused across the strategies of a sweep).
     *
     * @param features patch features at the feature layer, {@code rows x width}, row-major
     * @param cls the CLS token's feature at the feature layer ({@code width} values)
     * @param clsAttention head-averaged CLS-to-patch attention ({@code rows} values), or null when not asked
     * @param keys head-averaged keys of the patches ({@code rows x headDim}), or null when not asked
     */
    public record Tower(float[] features, int rows, int width, float[] cls, float[] clsAttention, float[] keys) {
        long bytes() {
            return 4L
                    * (features.length
                            + cls.length
                            + (clsAttention == null ? 0 : clsAttention.length)
                            + (keys == null ? 0 : keys.length));
        }

        /** The first {@code n} patches only (for tests of small image blocks). */
        public Tower first(int n) {
            return new Tower(
                    Arrays.copyOf(features, n * width),
                    n,
                    width,
                    cls,
                    clsAttention == null ? null : Arrays.copyOf(clsAttention, n),
                    keys == null ? null : Arrays.copyOf(keys, n * (keys.length / rows)));
        }
    }

    /**
     * What the projector stage produced for one request.
     *
     * @param block the image block entering the decoder {@code [tokens, hidden]}, in the session's manager
     * @param prompt the prompt with that many image positions
     * @param run the strategy's record of the request, with the projector stage as its first stage
     * @param signalNanos time to compute the declared signals beyond the tower (projection, embeddings)
     * @param origins where each entering token stands in the image (a merged token: its anchor; the CLS
     *     token: the whole image, row and column -1), or null when the image block is not one square view
     */
    public record Entered(
            NDArray block, PromptTokens prompt, StrategyRun run, long signalNanos, TokenOrigins origins) {}

    /** Whether the tower outputs {@code stage} needs for {@code imageKey} are cached. */
    boolean hasCached(String imageKey, ProjectorStage stage) {
        return imageKey != null && cache.containsKey(cacheKey(imageKey, stage.projectorSignals()))
                || anyRes.hasCached(imageKey, stage);
    }

    /** The tower cache's key of an image under the signals a stage wants (CLS attention and keys cost extra). */
    static String cacheKey(String imageKey, Set<ProjectorSignal> wanted) {
        return imageKey
                + (wanted.contains(ProjectorSignal.CLS_ATTENTION) ? "|attention" : "")
                + (wanted.contains(ProjectorSignal.TOWER_KEYS) ? "|keys" : "");
    }

    /**
     * Answers a question under a strategy with a projector stage; the same contract as
     * {@link LlavaPipeline#answer(String, String, Supplier, PruningStrategy, long, int)}.
     */
    LlavaPipeline.Answer answer(
            LlavaPipeline pipeline,
            String question,
            String imageKey,
            Supplier<RgbImage> image,
            PruningStrategy strategy,
            long seed,
            int maxNewTokens) {
        if (pipeline.isAnyRes()) {
            return anyRes.answer(pipeline, question, imageKey, image, strategy, seed, maxNewTokens);
        }
        Set<ProjectorSignal> wanted = strategy.projectorStage().projectorSignals();
        LlavaModel model = pipeline.model();
        long t0 = System.nanoTime();
        String key = imageKey == null ? null : cacheKey(imageKey, wanted);
        Tower cached = key == null ? null : cache.get(key);
        RgbImage rgb = cached == null ? image.get() : null;
        if (cached == null && rgb == null) {
            // Text only: nothing to prune, as for any strategy.
            return pipeline.answer(question, null, () -> null, null, seed, maxNewTokens);
        }
        PromptTokens prompt = pipeline.encode(question, true, maxNewTokens);
        try (InferenceSession session = model.newSession()) {
            NDManager m = session.manager();
            Tower tower = cached;
            if (tower == null) {
                tower = encode(model, pipeline.preprocessor().preprocess(rgb).data(), wanted, m);
                if (key != null && cacheBytes + tower.bytes() <= CACHE_BYTES) {
                    cache.put(key, tower);
                    cacheBytes += tower.bytes();
                }
            }
            long towerNanos = System.nanoTime() - t0;
            Entered e = enter(model, strategy, tower, prompt, m, seed);
            InferenceSession.PrefillResult prefill = session.prefill(
                    e.prompt().ids(),
                    e.prompt().imageStart(),
                    e.block(),
                    e.origins(),
                    null,
                    e.run().hooks());
            Generation gen = Generation.greedy(session, prefill, maxNewTokens, pipeline.stopTokens());
            return new LlavaPipeline.Answer(
                    pipeline.tokenizer().decode(gen.tokens()).strip(),
                    gen,
                    prompt,
                    e.run(),
                    towerNanos + e.signalNanos(),
                    singleView(model, tower.rows()),
                    null);
        }
    }

    /** One preprocessed image through the tower, with the CLS attention and keys only when {@code wanted}. */
    public static Tower encode(LlavaModel model, float[] pixels, Set<ProjectorSignal> wanted, NDManager session) {
        boolean attention = wanted.contains(ProjectorSignal.CLS_ATTENTION);
        boolean keys = wanted.contains(ProjectorSignal.TOWER_KEYS);
        try (NDManager scratch = session.newSubManager()) {
            TowerPass p = model.towerPass(pixels, attention, keys, scratch);
            Shape s = p.features().getShape();
            return new Tower(
                    LlavaModel.floats(p.features()),
                    (int) s.get(0),
                    (int) s.get(1),
                    LlavaModel.floats(p.clsFeature()),
                    attention ? LlavaModel.floats(p.clsAttention()) : null,
                    keys ? LlavaModel.floats(p.keys()) : null);
        }
    }

    /**
     * The projector stage of one request: the declared signals, the strategy's decision, the image block
     * that enters the decoder and the strategy's run for the decoder.
     *
     * @param prompt the prompt with one image position per patch of {@code tower}
     * @param m the request's manager (the block and the signals live there)
     */
    public static Entered enter(
            LlavaModel model, PruningStrategy strategy, Tower tower, PromptTokens prompt, NDManager m, long seed) {
        ProjectorStage stage = strategy.projectorStage();
        Set<ProjectorSignal> wanted = stage.projectorSignals();
        int n = tower.rows();
        if (prompt.imageLength() != n) {
            throw new IllegalStateException(
                    "the prompt has " + prompt.imageLength() + " image positions for " + n + " image tokens");
        }
        requireComputed(wanted, ProjectorSignal.CLS_ATTENTION, tower.clsAttention());
        requireComputed(wanted, ProjectorSignal.TOWER_KEYS, tower.keys());
        long t1 = System.nanoTime();
        NDArray features = model.upload(tower.features(), new Shape(n, tower.width()), m);
        boolean projectAll =
                wanted.contains(ProjectorSignal.PROJECTED_TOKENS) || stage.mergeRule() == MergeRule.PROJECTED_MEAN;
        NDArray projected = projectAll ? model.project(features) : null;
        int[] ids = prompt.ids();
        ProjectorInputs inputs = new ProjectorInputs(
                n,
                wanted.contains(ProjectorSignal.CLS_ATTENTION)
                        ? model.upload(tower.clsAttention(), new Shape(n), m)
                        : null,
                wanted.contains(ProjectorSignal.TOWER_KEYS)
                        ? model.upload(tower.keys(), new Shape(n, tower.keys().length / n), m)
                        : null,
                wanted.contains(ProjectorSignal.TOWER_FEATURES) ? features : null,
                wanted.contains(ProjectorSignal.PROJECTED_TOKENS) ? projected : null,
                wanted.contains(ProjectorSignal.INSTRUCTION_EMBEDDINGS)
                        ? model.tokenEmbeddings(Arrays.copyOfRange(ids, prompt.textAfterImageStart(), ids.length), m)
                        : null);
        long signalNanos = System.nanoTime() - t1;
        long t2 = System.nanoTime();
        int entering = stage.enteringTokens(n);
        ProjectorDecision decision = decide(strategy, stage, inputs, n, entering, seed);
        NDArray block = enteringBlock(model, decision, stage.mergeRule(), tower, projected, m);
        long decisionNanos = System.nanoTime() - t2;
        StrategyRun run = StrategyRun.afterProjector(
                strategy, n, model.config().text().numLayers(), seed, decision, decisionNanos);
        return new Entered(
                block, shorten(prompt, decision.tokens()), run, signalNanos, enteringOrigins(model, decision, n));
    }

    /**
     * The decision of {@code strategy}'s projector {@code stage} over {@code n} image tokens, checked ({@link
     * ProjectorDecision#validate}) against the {@code entering} tokens the stage promised: a strategy's mistake
     * fails here, with its name, rather than in the decoder.
     */
    static ProjectorDecision decide(
            PruningStrategy strategy, ProjectorStage stage, ProjectorInputs inputs, int n, int entering, long seed) {
        ProjectorDecision d = stage.decide(inputs, entering, seed);
        if (d == null) {
            throw new IllegalStateException("strategy '" + strategy.name() + "' decided nothing (null)");
        }
        d.validate(strategy.name(), n, entering);
        return d;
    }

    /** LLaVA-1.5's one square view of {@code n} patches, or null when {@code n} is not the tower's grid. */
    private static TokenOrigins singleView(LlavaModel model, int n) {
        int grid = model.config().vision().gridSize();
        return grid * grid == n ? TokenOrigins.singleView(grid) : null;
    }

    /** The origins of the entering tokens, in their order (see {@link Entered#origins()}). */
    private static TokenOrigins enteringOrigins(LlavaModel model, ProjectorDecision d, int n) {
        TokenOrigins all = singleView(model, n);
        if (all == null) {
            return null;
        }
        List<TokenOrigin> out = new ArrayList<>();
        if (d.leadingCls()) {
            out.add(new TokenOrigin(TokenOrigin.Kind.BASE, -1, -1, -1, 0, 0, 1, 1));
        }
        for (int p : d.kept()) {
            out.add(all.get(p));
        }
        for (ProjectorDecision.MergedToken t : d.merged()) {
            out.add(all.get(t.anchor()));
        }
        return new TokenOrigins(out);
    }

    private static void requireComputed(Set<ProjectorSignal> wanted, ProjectorSignal signal, float[] values) {
        if (wanted.contains(signal) && values == null) {
            throw new IllegalArgumentException("the tower outputs were computed without " + signal);
        }
    }

    /**
     * The image block entering the decoder {@code [tokens, hidden]}: [CLS], kept rows, merged rows. Rows
     * are assembled in Java floats from the tower's features (or the projected tokens for
     * {@link MergeRule#PROJECTED_MEAN}) and projected once.
     */
    static NDArray enteringBlock(
            LlavaModel model, ProjectorDecision d, MergeRule rule, Tower tower, NDArray projectedAll, NDManager m) {
        boolean projectedSpace = rule == MergeRule.PROJECTED_MEAN;
        float[] source = projectedSpace ? LlavaModel.floats(projectedAll) : tower.features();
        int width = projectedSpace ? source.length / tower.rows() : tower.width();
        List<ProjectorDecision.MergedToken> merged = d.merged();
        int tokens = d.tokens();
        float[] rows = new float[tokens * width];
        int r = 0;
        if (d.leadingCls()) {
            if (projectedSpace) {
                throw new IllegalStateException("a leading CLS token needs a tower-feature merge rule");
            }
            System.arraycopy(tower.cls(), 0, rows, 0, width);
            r++;
        }
        for (int p : d.kept()) {
            System.arraycopy(source, p * width, rows, r++ * width, width);
        }
        for (ProjectorDecision.MergedToken t : merged) {
            mergeInto(rows, r++ * width, source, width, t, rule);
        }
        NDArray block = model.upload(rows, new Shape(tokens, width), m);
        return projectedSpace ? block : model.project(block);
    }

    /** One merged row: the mean of anchor and absorbed, or VisionZip's anchor + mean of the absorbed. */
    static void mergeInto(
            float[] out, int offset, float[] source, int width, ProjectorDecision.MergedToken t, MergeRule rule) {
        int[] absorbed = t.absorbed();
        double[] sum = new double[width];
        for (int a : absorbed) {
            for (int j = 0; j < width; j++) {
                sum[j] += source[a * width + j];
            }
        }
        int anchor = t.anchor() * width;
        for (int j = 0; j < width; j++) {
            double v;
            if (rule == MergeRule.FEATURE_ANCHOR_PLUS_MEAN) {
                v = source[anchor + j] + (absorbed.length == 0 ? 0 : sum[j] / absorbed.length);
            } else {
                v = (source[anchor + j] + sum[j]) / (absorbed.length + 1);
            }
            out[offset + j] = (float) v;
        }
    }

    /** The prompt with {@code tokens} image positions instead of its N. */
    static PromptTokens shorten(PromptTokens prompt, int tokens) {
        int[] ids = prompt.ids();
        int start = prompt.imageStart();
        int after = prompt.textAfterImageStart();
        int[] out = new int[ids.length - prompt.imageLength() + tokens];
        System.arraycopy(ids, 0, out, 0, start);
        Arrays.fill(out, start, start + tokens, prompt.imageLength() > 0 ? ids[start] : 0);
        System.arraycopy(ids, after, out, start + tokens, ids.length - after);
        return new PromptTokens(out, start, tokens);
    }

    /** The refusal of a strategy with a projector stage on a model whose tower signals are not computed ({@code model}). */
    static IllegalArgumentException unsupported(PruningStrategy strategy, String model) {
        return new IllegalArgumentException("strategy '" + strategy.name() + "' decides before the decoder; its"
                + " tower signals are computed for LLaVA-1.5's single view only, not yet for " + model
                + " (docs/method.md#projector-stage)");
    }
}
