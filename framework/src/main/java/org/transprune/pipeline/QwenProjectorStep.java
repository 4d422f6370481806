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
import org.transprune.image.QwenPixels;
import org.transprune.image.RgbImage;
import org.transprune.image.TokenOrigin;
import org.transprune.image.TokenOrigins;
import org.transprune.model.Generation;
import org.transprune.model.ImageLayout;
import org.transprune.model.InferenceSession;
import org.transprune.model.LlavaModel;
import org.transprune.model.MropePositions;
import org.transprune.model.ProjectorSignal;
import org.transprune.model.QwenModel;
import org.transprune.prune.MergeRule;
import org.transprune.prune.ProjectorDecision;
import org.transprune.prune.ProjectorInputs;
import org.transprune.prune.ProjectorStage;
import org.transprune.prune.PruningStrategy;
import org.transprune.prune.StrategyRun;
import org.transprune.text.PromptTokens;

/**
 * The projector stage of a request on Qwen2.5-VL (docs/qwen2.5-vl.md#projector-stage): the signals the strategy
 * declared, computed from the vision tower and its patch merger (the merged 2x2 tokens are the projected
 * tokens), the strategy's decision, the image block that enters the decoder, and the survivors' original
 * M-RoPE positions. Strategies whose signals Qwen2.5-VL's tower does not define are refused.
 */
public final class QwenProjectorStep {
    private final Map<String, Tower> cache = new HashMap<>();
    private long cacheBytes;

    /**
     * The tower's outputs of one image as Java floats (reused across the strategies of a sweep).
     *
     * @param tokens the merged tokens, {@code rows * columns x width}, row-major over the token grid
     * @param rows merged-token rows of the image
     * @param columns merged-token columns of the image
     * @param width the decoder's hidden size
     * @param mergerInput the merger's input rows ({@code rows * columns x 4 * visionHidden}), or null when not
     *     asked
     */
    public record Tower(float[] tokens, int rows, int columns, int width, float[] mergerInput) {
        /** Image tokens. */
        public int count() {
            return rows * columns;
        }

        long bytes() {
            return 4L * (tokens.length + (mergerInput == null ? 0 : mergerInput.length));
        }

        /** The first {@code n} tokens only, as one row of {@code n} (for tests of small image blocks). */
        public Tower first(int n) {
            int inputWidth = mergerInput == null ? 0 : mergerInput.length / count();
            return new Tower(
                    Arrays.copyOf(tokens, n * width),
                    1,
                    n,
                    width,
                    mergerInput == null ? null : Arrays.copyOf(mergerInput, n * inputWidth));
        }
    }

    /**
     * What the projector stage produced for one request.
     *
     * @param block the image block entering the decoder {@code [tokens, hidden]}, in the request's manager
     * @param prompt the prompt with that many image positions
     * @param positions temporal, height and width position ids of the shorter prompt: every token keeps the id
     *     it has in the unpruned prompt (an entering image token the id of the block it stands at)
     * @param layout where each entering token stands in the token grid, for strategies chained after the stage
     * @param run the strategy's record of the request, with the projector stage as its first stage
     * @param signalNanos time to compute the declared signals beyond the tower (embeddings, merges)
     */
    public record Entered(
            NDArray block,
            PromptTokens prompt,
            int[][] positions,
            ImageLayout layout,
            StrategyRun run,
            long signalNanos) {}

    /**
     * Refuses a strategy whose projector stage reads a signal Qwen2.5-VL's tower does not define.
     *
     * @throws IllegalArgumentException naming the strategy, the signal and the reason
     */
    static void requireDefined(PruningStrategy strategy) {
        Set<ProjectorSignal> wanted = strategy.projectorStage().projectorSignals();
        String reason = null;
        if (wanted.contains(ProjectorSignal.CLS_ATTENTION)) {
            reason = "it reads the tower's [CLS] attention (CLS_ATTENTION), and Qwen2.5-VL's vision tower has no"
                    + " [CLS] token";
        } else if (wanted.contains(ProjectorSignal.TOWER_KEYS)) {
            reason = "it reads the tower's keys (TOWER_KEYS), which no author's rule defines on Qwen2.5-VL's tower"
                    + " (32 window/full-attention blocks before a 2x2 merge)";
        }
        if (reason != null) {
            throw new IllegalArgumentException("strategy '" + strategy.name() + "' cannot run on Qwen2.5-VL: " + reason
                    + "; no Qwen2.5-VL rule of its authors could be followed here, so none is substituted"
                    + " (docs/qwen2.5-vl.md#projector-stage)");
        }
    }

    /** Whether the tower outputs {@code stage} needs for {@code imageKey} are cached. */
    boolean hasCached(String imageKey, ProjectorStage stage) {
        return imageKey != null && cache.containsKey(cacheKey(imageKey, stage));
    }

    private static String cacheKey(String imageKey, ProjectorStage stage) {
        return imageKey + (needsMergerInput(stage) ? "|merger-input" : "");
    }

    /**
     * Whether {@code stage} may need the merger's input: it reads TOWER_FEATURES, or it would form merged tokens
     * from tower features (every rule but {@link MergeRule#PROJECTED_MEAN}).
     */
    static boolean needsMergerInput(ProjectorStage stage) {
        return stage.projectorSignals().contains(ProjectorSignal.TOWER_FEATURES)
                || stage.mergeRule() != MergeRule.PROJECTED_MEAN;
    }

    /**
     * Answers a question under a strategy with a projector stage; the same contract as
     * {@link QwenPipeline#answer(String, String, Supplier, PruningStrategy, long, int)}.
     */
    LlavaPipeline.Answer answer(
            QwenPipeline pipeline,
            String question,
            String imageKey,
            Supplier<RgbImage> image,
            PruningStrategy strategy,
            long seed,
            int maxNewTokens) {
        requireDefined(strategy);
        ProjectorStage stage = strategy.projectorStage();
        QwenModel model = pipeline.model();
        long t0 = System.nanoTime();
        String key = imageKey == null ? null : cacheKey(imageKey, stage);
        Tower cached = key == null ? null : cache.get(key);
        RgbImage rgb = cached == null ? image.get() : null;
        if (cached == null && rgb == null) {
            // Text only: nothing to prune, as for any strategy.
            return pipeline.answer(question, null, () -> null, null, seed, maxNewTokens);
        }
        try (InferenceSession session = model.newSession()) {
            NDManager m = session.manager();
            Tower tower = cached;
            if (tower == null) {
                tower = encode(model, pipeline.processor().preprocess(rgb), needsMergerInput(stage), m);
                if (key != null && cacheBytes + tower.bytes() <= ProjectorStep.CACHE_BYTES) {
                    cache.put(key, tower);
                    cacheBytes += tower.bytes();
                }
            }
            long towerNanos = System.nanoTime() - t0;
            PromptTokens prompt = pipeline.encode(question, tower.count(), maxNewTokens);
            Entered e = enter(model, strategy, tower, prompt, m, seed);
            InferenceSession.PrefillResult prefill = session.prefill(
                    e.prompt().ids(),
                    e.prompt().imageStart(),
                    e.block(),
                    e.positions(),
                    e.layout(),
                    e.run().hooks());
            Generation gen = Generation.greedy(session, prefill, maxNewTokens, pipeline.stopTokens());
            return new LlavaPipeline.Answer(
                    pipeline.tokenizer().decode(gen.tokens()).strip(),
                    gen,
                    prompt,
                    e.run(),
                    towerNanos + e.signalNanos(),
                    TokenOrigins.grid(tower.rows(), tower.columns()),
                    null);
        }
    }

    /** One preprocessed image through the tower, with the merger's input only when TOWER_FEATURES is wanted. */
    public static Tower encode(QwenModel model, QwenPixels pixels, Set<ProjectorSignal> wanted, NDManager session) {
        return encode(model, pixels, wanted.contains(ProjectorSignal.TOWER_FEATURES), session);
    }

    /** One preprocessed image through the tower, with the merger's input when {@code features}. */
    public static Tower encode(QwenModel model, QwenPixels pixels, boolean features, NDManager session) {
        int merge = model.config().vision().spatialMergeSize();
        try (NDManager scratch = session.newSubManager()) {
            QwenModel.ImagePass p = model.encodeImageForProjector(pixels, features, scratch);
            return new Tower(
                    LlavaModel.floats(p.tokens()),
                    pixels.gridH() / merge,
                    pixels.gridW() / merge,
                    (int) p.tokens().getShape().get(1),
                    features ? LlavaModel.floats(p.mergerInput()) : null);
        }
    }

    /**
     * The projector stage of one request: the declared signals, the strategy's decision, the image block that
     * enters the decoder, the entering prompt's positions and layout, and the strategy's run for the decoder.
     *
     * @param prompt the prompt with one image position per token of {@code tower}
     * @param m the request's manager (the block and the signals live there)
     */
    public static Entered enter(
            QwenModel model, PruningStrategy strategy, Tower tower, PromptTokens prompt, NDManager m, long seed) {
        requireDefined(strategy);
        ProjectorStage stage = strategy.projectorStage();
        Set<ProjectorSignal> wanted = stage.projectorSignals();
        int n = tower.count();
        if (prompt.imageLength() != n) {
            throw new IllegalStateException(
                    "the prompt has " + prompt.imageLength() + " image positions for " + n + " image tokens");
        }
        if (wanted.contains(ProjectorSignal.TOWER_FEATURES) && tower.mergerInput() == null) {
            throw new IllegalArgumentException(
                    "the tower outputs were computed without " + ProjectorSignal.TOWER_FEATURES);
        }
        long t1 = System.nanoTime();
        NDArray projected = wanted.contains(ProjectorSignal.PROJECTED_TOKENS)
                ? model.upload(tower.tokens(), new Shape(n, tower.width()), m)
                : null;
        int[] ids = prompt.ids();
        ProjectorInputs inputs = new ProjectorInputs(
                n,
                null,
                null,
                wanted.contains(ProjectorSignal.TOWER_FEATURES)
                        ? model.upload(tower.mergerInput(), new Shape(n, tower.mergerInput().length / n), m)
                        : null,
                projected,
                wanted.contains(ProjectorSignal.INSTRUCTION_EMBEDDINGS)
                        ? model.tokenEmbeddings(Arrays.copyOfRange(ids, prompt.textAfterImageStart(), ids.length), m)
                        : null);
        long signalNanos = System.nanoTime() - t1;
        long t2 = System.nanoTime();
        int entering = stage.enteringTokens(n);
        ProjectorDecision decision = ProjectorStep.decide(strategy, stage, inputs, n, entering, seed);
        if (decision.leadingCls()) {
            throw new IllegalStateException(
                    "strategy '" + strategy.name() + "' let a [CLS] token in; Qwen2.5-VL's vision tower has none");
        }
        NDArray block = enteringBlock(model, strategy.name(), decision, stage.mergeRule(), tower, m);
        long decisionNanos = System.nanoTime() - t2;
        StrategyRun run = StrategyRun.afterProjector(
                strategy, n, model.config().text().numLayers(), seed, decision, decisionNanos);
        int[] standsAt = decision.standsAt();
        int[][] full = MropePositions.of(prompt.length(), prompt.imageStart(), tower.rows(), tower.columns());
        return new Entered(
                block,
                ProjectorStep.shorten(prompt, decision.tokens()),
                enteringPositions(full, prompt.imageStart(), n, standsAt),
                enteringLayout(tower.rows(), tower.columns(), standsAt),
                run,
                signalNanos);
    }

    /**
     * The image block entering the decoder {@code [tokens, hidden]}: kept tokens are the merged tokens the
     * unpruned model would see, copied exactly; merged tokens are the mean of merged tokens
     * ({@link MergeRule#PROJECTED_MEAN}) or the merger's MLP on the combined merger-input rows (the feature rules,
     * which need TOWER_FEATURES declared).
     */
    static NDArray enteringBlock(
            QwenModel model, String strategy, ProjectorDecision d, MergeRule rule, Tower tower, NDManager m) {
        int width = tower.width();
        int[] kept = d.kept();
        List<ProjectorDecision.MergedToken> merged = d.merged();
        float[] rows = new float[d.tokens() * width];
        for (int i = 0; i < kept.length; i++) {
            System.arraycopy(tower.tokens(), kept[i] * width, rows, i * width, width);
        }
        if (!merged.isEmpty()) {
            if (rule == MergeRule.PROJECTED_MEAN) {
                for (int t = 0; t < merged.size(); t++) {
                    ProjectorStep.mergeInto(
                            rows, (kept.length + t) * width, tower.tokens(), width, merged.get(t), rule);
                }
            } else {
                if (tower.mergerInput() == null) {
                    throw new IllegalStateException("strategy '" + strategy + "' merges tokens by " + rule
                            + "; on Qwen2.5-VL that needs the merger's input, which this tower pass lacks");
                }
                int inputWidth = tower.mergerInput().length / tower.count();
                float[] inputs = new float[merged.size() * inputWidth];
                for (int t = 0; t < merged.size(); t++) {
                    ProjectorStep.mergeInto(
                            inputs, t * inputWidth, tower.mergerInput(), inputWidth, merged.get(t), rule);
                }
                try (NDManager scratch = m.newSubManager()) {
                    NDArray out = model.mergeRows(model.upload(inputs, new Shape(merged.size(), inputWidth), scratch));
                    float[] values = LlavaModel.floats(out);
                    System.arraycopy(values, 0, rows, kept.length * width, values.length);
                }
            }
        }
        return model.upload(rows, new Shape(d.tokens(), width), m);
    }

    /**
     * The position ids of the shorter prompt, taken from the unpruned prompt's {@code full [3][L]}: text before
     * the image as it was, entering image token i the ids of image token {@code standsAt[i]}, text after the
     * image as it was (one past the largest id of the whole, unpruned image, and on from there).
     */
    static int[][] enteringPositions(int[][] full, int imageStart, int imageTokens, int[] standsAt) {
        int length = full[0].length - imageTokens + standsAt.length;
        int[][] out = new int[3][length];
        for (int a = 0; a < 3; a++) {
            System.arraycopy(full[a], 0, out[a], 0, imageStart);
            for (int i = 0; i < standsAt.length; i++) {
                out[a][imageStart + i] = full[a][imageStart + standsAt[i]];
            }
            System.arraycopy(
                    full[a],
                    imageStart + imageTokens,
                    out[a],
                    imageStart + standsAt.length,
                    full[a].length - imageStart - imageTokens);
        }
        return out;
    }

    /** Each entering token at the row and column of the merged block it stands at, in a {@code rows x columns} grid. */
    static ImageLayout enteringLayout(int rows, int columns, int[] standsAt) {
        TokenOrigins grid = TokenOrigins.grid(rows, columns);
        int n = standsAt.length;
        int[] view = new int[n];
        int[] row = new int[n];
        int[] column = new int[n];
        List<TokenOrigin> origins = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            row[i] = standsAt[i] / columns;
            column[i] = standsAt[i] % columns;
            origins.add(grid.get(standsAt[i]));
        }
        return new ImageLayout(1, rows, columns, view, row, column, new TokenOrigins(origins));
    }
}
