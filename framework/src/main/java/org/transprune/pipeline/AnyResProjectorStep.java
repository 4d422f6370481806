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
import org.transprune.cost.PruneSchedule;
import org.transprune.image.AnyResPlan;
import org.transprune.image.RgbImage;
import org.transprune.image.TokenOrigin;
import org.transprune.image.TokenOrigins;
import org.transprune.model.AnyResEncoder;
import org.transprune.model.Generation;
import org.transprune.model.InferenceSession;
import org.transprune.model.LlavaModel;
import org.transprune.model.ProjectorSignal;
import org.transprune.prune.ChainedStrategy;
import org.transprune.prune.MergeRule;
import org.transprune.prune.ProjectorDecision;
import org.transprune.prune.ProjectorInputs;
import org.transprune.prune.ProjectorStage;
import org.transprune.prune.PruningStrategy;
import org.transprune.prune.StrategyRun;
import org.transprune.prune.ViewRule;
import org.transprune.text.PromptTokens;

/**
 * The projector stage of a request on LLaVA-NeXT (docs/llava-next.md#projector-stage): the declared tower
 * signals of every view (base view and tiles), the stage's decisions under its {@link ViewRule}, and the
 * image block that enters the decoder laid out as the method's authors lay it out on LLaVA-NeXT.
 */
public final class AnyResProjectorStep {
    private final Map<String, Views> cache = new HashMap<>();
    private long cacheBytes;

    /**
     * The tower outputs of every view of one image, base view first.
     *
     * @param plan the image's AnyRes plan
     * @param towers one per view, in the plan's view order
     */
    public record Views(AnyResPlan plan, List<ProjectorStep.Tower> towers) {
        long bytes() {
            return towers.stream().mapToLong(ProjectorStep.Tower::bytes).sum();
        }
    }

    /** One token entering the decoder: its values, the image token it stands at, what it covers, its origin. */
    private record Piece(float[] row, int standsAt, int[] covers, TokenOrigin origin) {}

    boolean hasCached(String imageKey, ProjectorStage stage) {
        return imageKey != null && cache.containsKey(ProjectorStep.cacheKey(imageKey, stage.projectorSignals()));
    }

    /** As {@link ProjectorStep#answer}, for a LLaVA-NeXT pipeline. */
    LlavaPipeline.Answer answer(
            LlavaPipeline pipeline,
            String question,
            String imageKey,
            Supplier<RgbImage> image,
            PruningStrategy strategy,
            long seed,
            int maxNewTokens) {
        Set<ProjectorSignal> wanted = strategy.projectorStage().projectorSignals();
        LlavaModel model = pipeline.model();
        AnyResEncoder encoder = pipeline.anyRes();
        long t0 = System.nanoTime();
        String key = imageKey == null ? null : ProjectorStep.cacheKey(imageKey, wanted);
        Views cached = key == null ? null : cache.get(key);
        RgbImage rgb = cached == null ? image.get() : null;
        if (cached == null && rgb == null) {
            return pipeline.answer(question, null, () -> null, null, seed, maxNewTokens);
        }
        AnyResPlan plan = cached != null ? cached.plan() : encoder.plan(rgb.width(), rgb.height());
        PromptTokens prompt = pipeline.encode(question, plan.imageTokens(), maxNewTokens);
        if (prompt.imageLength() != plan.imageTokens()) {
            throw refused(strategy, "a sequence cut (max_length_cut) inside LLaVA-NeXT's image block");
        }
        try (InferenceSession session = model.newSession()) {
            NDManager m = session.manager();
            Views views = cached;
            if (views == null) {
                views = encode(model, plan, AnyResEncoder.viewPixels(rgb, plan, pipeline.preprocessor()), wanted, m);
                if (key != null && cacheBytes + views.bytes() <= ProjectorStep.CACHE_BYTES) {
                    cache.put(key, views);
                    cacheBytes += views.bytes();
                }
            }
            long towerNanos = System.nanoTime() - t0;
            ProjectorStep.Entered e = enter(model, encoder.newline(), strategy, views, prompt, m, seed);
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
                    plan.origins(),
                    plan);
        }
    }

    /** Every view of an image through the tower, with the CLS attention and keys only when {@code wanted}. */
    public static Views encode(
            LlavaModel model, AnyResPlan plan, List<float[]> viewPixels, Set<ProjectorSignal> wanted, NDManager m) {
        if (viewPixels.size() != plan.views()) {
            throw new IllegalArgumentException(
                    "plan has " + plan.views() + " views, " + viewPixels.size() + " were given");
        }
        List<ProjectorStep.Tower> towers = new ArrayList<>(viewPixels.size());
        for (float[] pixels : viewPixels) {
            towers.add(ProjectorStep.encode(model, pixels, wanted, m));
        }
        return new Views(plan, towers);
    }

    /**
     * The projector stage of one LLaVA-NeXT request: the declared signals of every view, the decisions
     * under the stage's {@link ViewRule}, the entering image block and the strategy's run.
     *
     * @param newline the {@code image_newline} embedding (when the plan has newline tokens)
     * @param prompt the prompt with the plan's image tokens
     */
    public static ProjectorStep.Entered enter(
            LlavaModel model,
            float[] newline,
            PruningStrategy strategy,
            Views views,
            PromptTokens prompt,
            NDManager m,
            long seed) {
        ProjectorStage stage = strategy.projectorStage();
        Set<ProjectorSignal> wanted = stage.projectorSignals();
        AnyResPlan plan = views.plan();
        int n = plan.imageTokens();
        if (prompt.imageLength() != n) {
            throw new IllegalStateException(
                    "the prompt has " + prompt.imageLength() + " image positions for " + n + " image tokens");
        }
        int hidden = model.config().text().hiddenSize();
        int perView = plan.baseTokens();
        long t1 = System.nanoTime();
        List<NDArray> features = new ArrayList<>();
        List<NDArray> projected = new ArrayList<>();
        List<float[]> projectedFloats = new ArrayList<>();
        for (ProjectorStep.Tower t : views.towers()) {
            if (t.rows() != perView) {
                throw new IllegalStateException("a view gave " + t.rows() + " features, expected " + perView);
            }
            NDArray f = model.upload(t.features(), new Shape(t.rows(), t.width()), m);
            NDArray p = model.project(f);
            features.add(f);
            projected.add(p);
            projectedFloats.add(LlavaModel.floats(p));
        }
        int[] ids = prompt.ids();
        NDArray instruction = wanted.contains(ProjectorSignal.INSTRUCTION_EMBEDDINGS)
                ? model.tokenEmbeddings(Arrays.copyOfRange(ids, prompt.textAfterImageStart(), ids.length), m)
                : null;
        ViewRule rule = stage.viewRule();
        List<Piece> pieces;
        Map<String, float[]> scores;
        long signalNanos;
        long t2;
        if (rule == ViewRule.WHOLE_BLOCK) {
            for (ProjectorSignal s : wanted) {
                if (s != ProjectorSignal.PROJECTED_TOKENS && s != ProjectorSignal.INSTRUCTION_EMBEDDINGS) {
                    throw refused(strategy, "LLaVA-NeXT's whole image block with signal " + s);
                }
            }
            float[] block = AnyResEncoder.arrange(projectedFloats, plan, newline, hidden);
            ProjectorInputs inputs = new ProjectorInputs(
                    n,
                    null,
                    null,
                    null,
                    wanted.contains(ProjectorSignal.PROJECTED_TOKENS)
                            ? model.imageEmbeddings(block, new Shape(n, hidden), m)
                            : null,
                    instruction);
            signalNanos = System.nanoTime() - t1;
            t2 = System.nanoTime();
            int entering = wholeBlockBudget(stage, n, perView);
            ProjectorDecision d = ProjectorStep.decide(strategy, stage, inputs, n, entering, seed);
            pieces = wholeBlockPieces(strategy, stage, d, block, hidden, plan.origins());
            scores = d.scores();
        } else {
            List<ProjectorInputs> inputs = new ArrayList<>();
            for (int v = 0; v < plan.views(); v++) {
                ProjectorStep.Tower t = views.towers().get(v);
                inputs.add(new ProjectorInputs(
                        perView,
                        wanted.contains(ProjectorSignal.CLS_ATTENTION) ? upload1(model, t.clsAttention(), m) : null,
                        wanted.contains(ProjectorSignal.TOWER_KEYS)
                                ? model.upload(t.keys(), new Shape(perView, t.keys().length / perView), m)
                                : null,
                        wanted.contains(ProjectorSignal.TOWER_FEATURES) ? features.get(v) : null,
                        wanted.contains(ProjectorSignal.PROJECTED_TOKENS) ? projected.get(v) : null,
                        instruction));
            }
            signalNanos = System.nanoTime() - t1;
            t2 = System.nanoTime();
            int[] entering = new int[plan.views()];
            Arrays.fill(entering, stage.enteringTokens(perView));
            List<ProjectorDecision> decisions = stage.decideViews(inputs, entering, seed);
            if (decisions == null || decisions.size() != plan.views()) {
                throw new IllegalStateException("strategy '" + strategy.name() + "' decided "
                        + (decisions == null ? "nothing" : decisions.size() + " views") + " for " + plan.views()
                        + " views");
            }
            for (ProjectorDecision d : decisions) {
                d.validate(strategy.name(), perView, entering[0]);
            }
            ViewPieces vp = new ViewPieces(model, m, stage.mergeRule(), views, projectedFloats, plan);
            pieces = vp.paddedGrid(decisions);
            scores = vp.scores(decisions);
        }
        int k = pieces.size();
        float[] rows = new float[k * hidden];
        int[] standsAt = new int[k];
        int[][] coverage = new int[k][];
        List<TokenOrigin> origins = new ArrayList<>(k);
        for (int i = 0; i < k; i++) {
            Piece p = pieces.get(i);
            System.arraycopy(p.row(), 0, rows, i * hidden, hidden);
            standsAt[i] = p.standsAt();
            coverage[i] = p.covers();
            origins.add(p.origin());
        }
        NDArray block = model.imageEmbeddings(rows, new Shape(k, hidden), m);
        long decisionNanos = System.nanoTime() - t2;
        int layers = model.config().text().numLayers();
        StrategyRun run = StrategyRun.afterProjector(
                strategy, schedule(strategy, n, k, layers), layers, seed, standsAt, coverage, scores, decisionNanos);
        return new ProjectorStep.Entered(
                block, ProjectorStep.shorten(prompt, k), run, signalNanos, new TokenOrigins(origins));
    }

    /** The refusal of a projector stage whose decision does not fit LLaVA-NeXT's image block. */
    static IllegalArgumentException refused(PruningStrategy strategy, String what) {
        return new IllegalArgumentException(
                "strategy '" + strategy.name() + "' cannot run on " + what + " (docs/llava-next.md#projector-stage)");
    }

    private static NDArray upload1(LlavaModel model, float[] values, NDManager m) {
        return model.upload(values, new Shape(values.length), m);
    }

    /**
     * The entering count of a {@link ViewRule#WHOLE_BLOCK} stage on {@code n} image tokens: the share of
     * {@code n} the stage keeps of one view of {@code perView} tokens, rounded half to even (DivPrune's
     * {@code int(round(SUBSET_RATIO * N))} with {@code SUBSET_RATIO = tokens / perView}).
     */
    static int wholeBlockBudget(ProjectorStage stage, int n, int perView) {
        int ofView = stage.enteringTokens(perView);
        return (int) Math.rint((double) n * ofView / perView);
    }

    /**
     * The schedule of a request whose projector stage let {@code k} of {@code n} tokens in: that stage,
     * then (for a chain) the in-LLM member's schedule computed for the {@code k} tokens.
     */
    public static PruneSchedule schedule(PruningStrategy strategy, int n, int k, int numLayers) {
        if (k < 1) {
            throw new IllegalArgumentException("'" + strategy.name() + "' lets no token into the decoder");
        }
        if (strategy instanceof ChainedStrategy c) {
            return PruneSchedule.chained(n, k, c.inside().schedule(k, numLayers));
        }
        PruneSchedule own = strategy.schedule(n, numLayers);
        if (own.stages().size() != 1 || own.projectorStage().isEmpty()) {
            throw refused(strategy, "LLaVA-NeXT with its own in-LLM stages (use a chain)");
        }
        return new PruneSchedule(n, List.of(new PruneSchedule.Stage(0, k)));
    }

    /** A whole-block decision's tokens: kept tokens of the block, merged ones as means of projected tokens. */
    private static List<Piece> wholeBlockPieces(
            PruningStrategy strategy,
            ProjectorStage stage,
            ProjectorDecision d,
            float[] block,
            int hidden,
            TokenOrigins origins) {
        if (d.leadingCls() || (!d.merged().isEmpty() && stage.mergeRule() != MergeRule.PROJECTED_MEAN)) {
            throw refused(strategy, "LLaVA-NeXT's whole image block with a CLS token or tower-feature merges");
        }
        List<Piece> out = new ArrayList<>();
        for (int p : d.kept()) {
            out.add(new Piece(
                    Arrays.copyOfRange(block, p * hidden, (p + 1) * hidden), p, new int[] {p}, origins.get(p)));
        }
        for (ProjectorDecision.MergedToken t : d.merged()) {
            float[] row = new float[hidden];
            ProjectorStep.mergeInto(row, 0, block, hidden, t, MergeRule.PROJECTED_MEAN);
            out.add(new Piece(row, t.anchor(), t.covered(), origins.get(t.anchor())));
        }
        return out;
    }

    /** The tokens of per-view decisions, and where each view's patches stand in the image block. */
    private static final class ViewPieces {
        private final LlavaModel model;
        private final NDManager manager;
        private final MergeRule mergeRule;
        private final Views views;
        private final List<float[]> projected;
        private final AnyResPlan plan;
        private final TokenOrigins origins;
        private final int g;
        private final int hidden;

        ViewPieces(
                LlavaModel model,
                NDManager manager,
                MergeRule mergeRule,
                Views views,
                List<float[]> projected,
                AnyResPlan plan) {
            this.model = model;
            this.manager = manager;
            this.mergeRule = mergeRule;
            this.views = views;
            this.projected = projected;
            this.plan = plan;
            this.origins = plan.origins();
            this.g = plan.patchGrid();
            this.hidden = model.config().text().hiddenSize();
        }

        /** Row of the full (padded) tile grid of patch {@code p} of tile {@code t}. */
        private int gridRow(int t, int p) {
            return (t / plan.tileCols()) * g + p / g;
        }

        private int gridColumn(int t, int p) {
            return (t % plan.tileCols()) * g + p % g;
        }

        /** The image-block index of patch {@code p} of view {@code v}, or -1 for a tile patch in the padding. */
        int blockIndex(int v, int p) {
            if (v == 0) {
                return p;
            }
            int r = gridRow(v - 1, p) - plan.firstRow();
            int c = gridColumn(v - 1, p) - plan.firstColumn();
            if (r < 0 || r >= plan.rows() || c < 0 || c >= plan.columns()) {
                return -1;
            }
            return plan.baseTokens() + r * (plan.columns() + (plan.newline() ? 1 : 0)) + c;
        }

        /** The origin of patch {@code p} of view {@code v}; a padding patch covers none of the image. */
        private TokenOrigin origin(int v, int p) {
            int i = blockIndex(v, p);
            if (i >= 0) {
                return origins.get(i);
            }
            int gr = gridRow(v - 1, p);
            int gc = gridColumn(v - 1, p);
            double px = (double) plan.tileSize() / g;
            return new TokenOrigin(
                    TokenOrigin.Kind.TILE,
                    v - 1,
                    gr - plan.firstRow(),
                    gc - plan.firstColumn(),
                    toImage(gc * px, plan.pasteX(), plan.resizedWidth()),
                    toImage(gr * px, plan.pasteY(), plan.resizedHeight()),
                    toImage((gc + 1) * px, plan.pasteX(), plan.resizedWidth()),
                    toImage((gr + 1) * px, plan.pasteY(), plan.resizedHeight()));
        }

        /** A view's CLS token's origin: the whole image for the base view, the tile's part of it for a tile. */
        private TokenOrigin clsOrigin(int v) {
            if (v == 0) {
                return new TokenOrigin(TokenOrigin.Kind.BASE, -1, -1, -1, 0, 0, 1, 1);
            }
            int t = v - 1;
            int tr = t / plan.tileCols();
            int tc = t % plan.tileCols();
            int s = plan.tileSize();
            return new TokenOrigin(
                    TokenOrigin.Kind.TILE,
                    t,
                    -1,
                    -1,
                    toImage(tc * s, plan.pasteX(), plan.resizedWidth()),
                    toImage(tr * s, plan.pasteY(), plan.resizedHeight()),
                    toImage((tc + 1) * s, plan.pasteX(), plan.resizedWidth()),
                    toImage((tr + 1) * s, plan.pasteY(), plan.resizedHeight()));
        }

        private static double toImage(double canvas, int paste, int resized) {
            return Math.min(1.0, Math.max(0.0, (canvas - paste) / resized));
        }

        private Piece kept(int v, int p) {
            float[] src = projected.get(v);
            return new Piece(
                    Arrays.copyOfRange(src, p * hidden, (p + 1) * hidden),
                    blockIndex(v, p),
                    blockIndex(v, p) < 0 ? new int[0] : new int[] {blockIndex(v, p)},
                    origin(v, p));
        }

        /** Each view's CLS token (when its decision lets it in) and merged tokens, in view order. */
        private List<List<Piece>> clsAndMerged(List<ProjectorDecision> decisions, boolean cls) {
            List<ProjectorStep.Tower> towers = views.towers();
            int width = towers.get(0).width();
            List<float[]> featureRows = new ArrayList<>();
            List<List<Piece>> out = new ArrayList<>();
            for (int v = 0; v < decisions.size(); v++) {
                ProjectorDecision d = decisions.get(v);
                ProjectorStep.Tower t = towers.get(v);
                List<Piece> mine = new ArrayList<>();
                if (cls && d.leadingCls()) {
                    if (mergeRule == MergeRule.PROJECTED_MEAN) {
                        throw new IllegalStateException("a leading CLS token needs a tower-feature merge rule");
                    }
                    featureRows.add(t.cls());
                    mine.add(new Piece(null, -1, new int[0], clsOrigin(v)));
                }
                if (!cls) {
                    int view = v;
                    for (ProjectorDecision.MergedToken mt : d.merged()) {
                        int[] covers = Arrays.stream(mt.covered())
                                .map(p -> blockIndex(view, p))
                                .filter(i -> i >= 0)
                                .sorted()
                                .toArray();
                        TokenOrigin o = origin(v, mt.anchor());
                        if (mergeRule == MergeRule.PROJECTED_MEAN) {
                            float[] row = new float[hidden];
                            ProjectorStep.mergeInto(row, 0, projected.get(v), hidden, mt, mergeRule);
                            mine.add(new Piece(row, blockIndex(v, mt.anchor()), covers, o));
                        } else {
                            float[] row = new float[width];
                            ProjectorStep.mergeInto(row, 0, t.features(), width, mt, mergeRule);
                            featureRows.add(row);
                            mine.add(new Piece(null, blockIndex(v, mt.anchor()), covers, o));
                        }
                    }
                }
                out.add(mine);
            }
            if (!featureRows.isEmpty()) {
                float[] all = new float[featureRows.size() * width];
                for (int i = 0; i < featureRows.size(); i++) {
                    System.arraycopy(featureRows.get(i), 0, all, i * width, width);
                }
                try (NDManager scratch = manager.newSubManager()) {
                    float[] proj = LlavaModel.floats(
                            model.project(model.upload(all, new Shape(featureRows.size(), width), scratch)));
                    int r = 0;
                    for (List<Piece> mine : out) {
                        for (int i = 0; i < mine.size(); i++) {
                            Piece p = mine.get(i);
                            if (p.row() == null) {
                                float[] row = Arrays.copyOfRange(proj, r * hidden, (r + 1) * hidden);
                                r++;
                                mine.set(i, new Piece(row, p.standsAt(), p.covers(), p.origin()));
                            }
                        }
                    }
                }
            }
            return out;
        }

        /**
         * {@link ViewRule#PER_VIEW_GRID}: the base view's tokens in its decision's order, the tiles' kept
         * patches row-major over the padded tile grid, the tiles' CLS tokens, the tiles' merged tokens.
         */
        List<Piece> paddedGrid(List<ProjectorDecision> decisions) {
            List<List<Piece>> cls = clsAndMerged(decisions, true);
            List<List<Piece>> merged = clsAndMerged(decisions, false);
            List<Piece> out = new ArrayList<>(cls.get(0));
            for (int p : decisions.get(0).kept()) {
                out.add(kept(0, p));
            }
            out.addAll(merged.get(0));
            boolean[][] keep = keptMasks(decisions);
            for (int gr = 0; gr < plan.paddedRows(); gr++) {
                for (int gc = 0; gc < plan.paddedColumns(); gc++) {
                    int t = (gr / g) * plan.tileCols() + gc / g;
                    int p = (gr % g) * g + gc % g;
                    if (keep[t + 1][p]) {
                        out.add(kept(t + 1, p));
                    }
                }
            }
            for (int v = 1; v < decisions.size(); v++) {
                out.addAll(cls.get(v));
            }
            for (int v = 1; v < decisions.size(); v++) {
                out.addAll(merged.get(v));
            }
            return out;
        }

        private boolean[][] keptMasks(List<ProjectorDecision> decisions) {
            boolean[][] keep = new boolean[decisions.size()][plan.baseTokens()];
            for (int v = 0; v < decisions.size(); v++) {
                for (int p : decisions.get(v).kept()) {
                    keep[v][p] = true;
                }
            }
            return keep;
        }

        /** Each view's diagnostics on the image block's tokens (NaN where a token has none: newlines). */
        Map<String, float[]> scores(List<ProjectorDecision> decisions) {
            Map<String, float[]> out = new HashMap<>();
            for (int v = 0; v < decisions.size(); v++) {
                for (Map.Entry<String, float[]> e : decisions.get(v).scores().entrySet()) {
                    float[] s = out.computeIfAbsent(e.getKey(), k -> {
                        float[] a = new float[plan.imageTokens()];
                        Arrays.fill(a, Float.NaN);
                        return a;
                    });
                    float[] values = e.getValue();
                    for (int p = 0; p < values.length; p++) {
                        int i = blockIndex(v, p);
                        if (i >= 0) {
                            s[i] = values[p];
                        }
                    }
                }
            }
            return out;
        }
    }
}
