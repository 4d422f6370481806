package org.transprune.prune;

import ai.djl.ndarray.NDArray;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.transprune.cost.PruneSchedule;
import org.transprune.model.AttentionObserver;
import org.transprune.model.ForwardHooks;
import org.transprune.model.HiddenStateObserver;
import org.transprune.model.PruneDecider;
import org.transprune.model.RequestStart;
import org.transprune.model.StartObserver;
import org.transprune.model.StartSignal;
import org.transprune.model.SubLayer;
import org.transprune.model.TokenLayout;
import org.transprune.model.TransitionObserver;

/**
 * One request under one strategy: turns the strategy's declarations into engine hooks, checks
 * each decision against the schedule, times the scoring and records what each stage kept.
 */
public final class StrategyRun
        implements TransitionObserver, AttentionObserver, PruneDecider, HiddenStateObserver, StartObserver {
    private final PruningStrategy strategy;
    private final PruneSchedule schedule;
    private final RequestScorer scorer;
    private final Map<Integer, Integer> keepAfter = new HashMap<>();
    private final List<StageRecord> stages = new ArrayList<>();
    /** After a projector stage: the original patches each token entering the decoder covers; else null. */
    private int[][] entered;
    /** After a projector stage: the patch each entering token stands at (-1 for the CLS token). */
    private int[] standsAt;

    private long scoringNanos;

    /**
     * What one pruning stage did.
     *
     * @param afterLayer the 1-based layer after which it pruned
     * @param keptPatches original patch numbers (0..N-1) of the image tokens it kept, increasing
     * @param scores the strategy's per-token diagnostics at that stage (may be empty)
     * @param candidatePatches original patch numbers of the tokens it chose from, aligned with
     *     the score arrays
     * @param tokenPatches for each token it kept, the original patches that token covers, when a
     *     projector stage merged patches or let the CLS token in (docs/method.md#chaining); null when
     *     every token is one patch. {@code keptPatches} and {@code candidatePatches} then list the
     *     patch each token stands at (a merged token: its anchor; the CLS token: none).
     */
    public record StageRecord(
            int afterLayer,
            int[] keptPatches,
            Map<String, float[]> scores,
            int[] candidatePatches,
            int[][] tokenPatches) {

        /** A stage whose tokens are one patch each. */
        public StageRecord(int afterLayer, int[] keptPatches, Map<String, float[]> scores, int[] candidatePatches) {
            this(afterLayer, keptPatches, scores, candidatePatches, null);
        }

        /** Image tokens after the stage (differs from {@code keptPatches.length} when tokens cover several). */
        public int tokens() {
            return tokenPatches == null ? keptPatches.length : tokenPatches.length;
        }
    }

    private StrategyRun(PruningStrategy strategy, PruneSchedule schedule, long seed) {
        this.strategy = strategy;
        this.schedule = schedule;
        this.scorer = strategy.newRequest(seed);
        for (PruneSchedule.Stage s : schedule.stages()) {
            keepAfter.put(s.afterLayer(), s.keep());
        }
    }

    /**
     * Starts a request with {@code imageTokens} image tokens on a {@code numLayers}-layer model.
     *
     * @throws IllegalArgumentException when the strategy has a projector stage: that runs through
     *     {@link #afterProjector}, once the pipeline has built the tokens that enter the decoder
     */
    public static StrategyRun start(PruningStrategy strategy, int imageTokens, int numLayers, long seed) {
        if (strategy.projectorStage() != null) {
            throw new IllegalArgumentException("strategy '" + strategy.name() + "' decides before the decoder (a"
                    + " projector stage); it runs through the pipeline, which builds the tokens that enter it");
        }
        PruneSchedule schedule = strategy.schedule(imageTokens, numLayers);
        schedule.requireWithinDepth(numLayers);
        return new StrategyRun(strategy, schedule, seed);
    }

    /**
     * Starts the decoder part of a request whose projector stage already decided: records that stage
     * (after layer 0) and from then on reports every stage in original patches.
     *
     * @param imageTokens N, the image tokens the projector produced
     * @param decision the projector stage's decision, already validated
     * @param decisionNanos time the stage took to decide (added to the scoring time)
     */
    public static StrategyRun afterProjector(
            PruningStrategy strategy,
            int imageTokens,
            int numLayers,
            long seed,
            ProjectorDecision decision,
            long decisionNanos) {
        PruneSchedule schedule = strategy.schedule(imageTokens, numLayers);
        schedule.requireWithinDepth(numLayers);
        int entering = schedule.enteringTokens();
        decision.validate(strategy.name(), imageTokens, entering);
        StrategyRun run = new StrategyRun(strategy, schedule, seed);
        run.keepAfter.remove(0);
        run.entered = decision.coverage();
        run.standsAt = decision.standsAt();
        int[] all = new int[imageTokens];
        Arrays.setAll(all, i -> i);
        int[] everyToken = new int[run.entered.length];
        Arrays.setAll(everyToken, i -> i);
        run.stages.add(
                new StageRecord(0, run.standingAt(everyToken), decision.scores(), all, onePatchEach(run.entered)));
        run.scoringNanos += decisionNanos;
        return run;
    }

    /**
     * Starts the decoder part of a request whose projector stage let tokens in that a single
     * {@link ProjectorDecision} cannot describe (LLaVA-NeXT's views, docs/llava-next.md#projector-stage):
     * each entering token is given by the image token it stands at and the image tokens it covers.
     *
     * @param schedule the request's schedule: N image tokens, the projector stage's count first
     * @param standsAt for each entering token, in order, the image token (0..N-1) it stands at, or -1
     *     for one that stands at none (a CLS token, a patch of the tiles' padding)
     * @param coverage for each entering token the image tokens it covers (may be empty)
     * @param scores per-image-token diagnostics ({@code N} values each)
     */
    public static StrategyRun afterProjector(
            PruningStrategy strategy,
            PruneSchedule schedule,
            int numLayers,
            long seed,
            int[] standsAt,
            int[][] coverage,
            Map<String, float[]> scores,
            long decisionNanos) {
        schedule.requireWithinDepth(numLayers);
        int n = schedule.imageTokens();
        if (standsAt.length != schedule.enteringTokens() || coverage.length != standsAt.length) {
            throw new IllegalStateException("strategy '" + strategy.name() + "' let " + standsAt.length
                    + " tokens into the decoder; its schedule says " + schedule.enteringTokens());
        }
        StrategyRun run = new StrategyRun(strategy, schedule, seed);
        run.keepAfter.remove(0);
        run.entered = coverage.clone();
        run.standsAt = standsAt.clone();
        int[] all = new int[n];
        Arrays.setAll(all, i -> i);
        int[] everyToken = new int[standsAt.length];
        Arrays.setAll(everyToken, i -> i);
        run.stages.add(new StageRecord(0, run.standingAt(everyToken), scores, all, onePatchEach(run.entered)));
        run.scoringNanos += decisionNanos;
        return run;
    }

    /** The engine hooks for this request. */
    public ForwardHooks hooks() {
        return new ForwardHooks(this, this, this, strategy.positionPolicy(), this, this);
    }

    public PruneSchedule schedule() {
        return schedule;
    }

    /** Stages run so far, in order. */
    public List<StageRecord> stages() {
        return Collections.unmodifiableList(stages);
    }

    /** Wall time spent inside the strategy's callbacks and decisions (the engine adds the signal computation). */
    public long scoringNanos() {
        return scoringNanos;
    }

    @Override
    public Set<StartSignal> startSignals() {
        return strategy.startSignals();
    }

    @Override
    public void onStart(RequestStart start) {
        long t0 = System.nanoTime();
        scorer.onStart(start);
        scoringNanos += System.nanoTime() - t0;
    }

    @Override
    public boolean observesHiddenState(int layer) {
        return strategy.signals(layer, schedule).hiddenStates();
    }

    @Override
    public void onHiddenState(int layer, NDArray hidden, TokenLayout layout) {
        long t0 = System.nanoTime();
        scorer.onHiddenState(layer, hidden, layout);
        scoringNanos += System.nanoTime() - t0;
    }

    @Override
    public boolean observesTransitions(int layer) {
        return strategy.signals(layer, schedule).transitions();
    }

    @Override
    public void onTransition(int layer, SubLayer subLayer, NDArray before, NDArray after, TokenLayout layout) {
        long t0 = System.nanoTime();
        scorer.onTransition(layer, subLayer, before, after, layout);
        scoringNanos += System.nanoTime() - t0;
    }

    @Override
    public int[] attentionQueries(int layer, TokenLayout layout) {
        QuerySelector q = strategy.signals(layer, schedule).attentionQueries();
        if (q == null) {
            return null;
        }
        int[] rows = q.select(layout);
        // An empty selection (e.g. instruction rows of a prompt with no text after the image) asks for nothing.
        return rows.length == 0 ? null : rows;
    }

    @Override
    public void onAttention(int layer, int[] queries, NDArray probabilities, TokenLayout layout) {
        long t0 = System.nanoTime();
        scorer.onAttention(layer, queries, probabilities, layout);
        scoringNanos += System.nanoTime() - t0;
    }

    @Override
    public int[] keep(int afterLayer, TokenLayout layout) {
        Integer keep = keepAfter.get(afterLayer);
        if (keep == null || layout.imageLength() == 0) {
            return null;
        }
        long t0 = System.nanoTime();
        int[] kept = scorer.select(afterLayer, keep, layout);
        scoringNanos += System.nanoTime() - t0;
        if (kept == null || kept.length != keep) {
            throw new IllegalStateException("strategy '" + strategy.name() + "' kept "
                    + (kept == null ? "nothing (null)" : kept.length + " tokens") + " after layer " + afterLayer
                    + "; its schedule says " + keep);
        }
        int[] patches = layout.imagePatches();
        int[] keptPatches = new int[kept.length];
        for (int i = 0; i < kept.length; i++) {
            if (kept[i] < 0 || kept[i] >= patches.length || (i > 0 && kept[i] <= kept[i - 1])) {
                throw new IllegalStateException("strategy '" + strategy.name() + "' returned invalid index " + kept[i]
                        + " after layer " + afterLayer + " (indices must be strictly increasing in 0.."
                        + (patches.length - 1) + ")");
            }
            keptPatches[i] = patches[kept[i]];
        }
        if (entered == null) {
            stages.add(new StageRecord(afterLayer, keptPatches, scorer.lastScores(), patches));
        } else {
            stages.add(inOriginalPatches(afterLayer, keptPatches, scorer.lastScores(), patches));
        }
        return kept;
    }

    /**
     * A decoder stage after a projector stage: {@code kept} and {@code candidates} number the tokens
     * that entered the decoder; the record numbers each token by the patch it stands at (a merged
     * token: its anchor; the CLS token: none, so it is left out of the patch lists and scores).
     */
    private StageRecord inOriginalPatches(int afterLayer, int[] kept, Map<String, float[]> scores, int[] candidates) {
        int[][] keptCoverage = new int[kept.length][];
        for (int i = 0; i < kept.length; i++) {
            keptCoverage[i] = entered[kept[i]];
        }
        // candidates sorted by the patch they stand at, CLS dropped; scores follow the same order
        Integer[] order = java.util.stream.IntStream.range(0, candidates.length)
                .filter(i -> standsAt[candidates[i]] >= 0)
                .boxed()
                .sorted(java.util.Comparator.comparingInt(i -> standsAt[candidates[i]]))
                .toArray(Integer[]::new);
        int[] candidatePatches = new int[order.length];
        for (int i = 0; i < order.length; i++) {
            candidatePatches[i] = standsAt[candidates[order[i]]];
        }
        Map<String, float[]> sorted = new HashMap<>();
        for (Map.Entry<String, float[]> e : scores.entrySet()) {
            if (e.getValue().length != candidates.length) {
                continue; // not one value per token: no patch to give it to
            }
            float[] v = new float[order.length];
            for (int i = 0; i < order.length; i++) {
                v[i] = e.getValue()[order[i]];
            }
            sorted.put(e.getKey(), v);
        }
        return new StageRecord(afterLayer, standingAt(kept), sorted, candidatePatches, onePatchEach(keptCoverage));
    }

    /** The sorted patches the given entering tokens stand at (the CLS token stands at none). */
    private int[] standingAt(int[] tokens) {
        return Arrays.stream(tokens)
                .map(t -> standsAt[t])
                .filter(p -> p >= 0)
                .sorted()
                .toArray();
    }

    /** {@code coverage}, or null when every token is exactly one patch. */
    private static int[][] onePatchEach(int[][] coverage) {
        for (int[] c : coverage) {
            if (c.length != 1) {
                return coverage;
            }
        }
        return null;
    }
}
