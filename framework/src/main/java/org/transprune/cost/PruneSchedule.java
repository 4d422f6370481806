package org.transprune.cost;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * How many image tokens survive where: N image tokens come out of the projector and, after each
 * stage's layer, only {@code keep} of them go on. A stage after layer 0 is a projector stage: it
 * decides which tokens (kept or merged) enter the decoder at all, so layer 1 already sees
 * {@code keep} of them (docs/method.md#projector-stage).
 *
 * <p>Invariants: N &gt; 0; stage layers are 1-based (0 for the projector stage, first if present)
 * and strictly increasing; each stage keeps at most what the previous one kept (and at least 0). Whether a stage lies inside a given model is
 * checked by {@link #requireWithinDepth(int)}, since a schedule alone does not know the depth.
 *
 * @param imageTokens N, the image tokens of the unpruned prompt (576 for LLaVA-1.5)
 * @param stages the pruning points, in layer order; empty for the unpruned model
 */
public record PruneSchedule(int imageTokens, List<Stage> stages) {

    /**
     * One pruning point.
     *
     * @param afterLayer the 1-based decoder layer after which tokens are dropped; 0 for the
     *     projector stage (tokens entering the decoder)
     * @param keep image tokens that go on to layer {@code afterLayer + 1}
     */
    public record Stage(int afterLayer, int keep) {
        /** Whether this is the projector stage (before layer 1). */
        public boolean isProjectorStage() {
            return afterLayer == 0;
        }
    }

    public PruneSchedule {
        require(imageTokens > 0, "the image-token count must be positive, got " + imageTokens);
        stages = List.copyOf(stages);
        int previousLayer = -1;
        int previousKeep = imageTokens;
        for (Stage stage : stages) {
            require(
                    stage.afterLayer() >= 0,
                    "pruning layers are numbered from 1 (0 is the projector stage), got " + stage.afterLayer());
            require(
                    stage.afterLayer() > previousLayer,
                    "pruning layers must be strictly increasing, got " + stage.afterLayer() + " after "
                            + previousLayer);
            require(
                    stage.keep() >= 0 && stage.keep() <= previousKeep,
                    "the stage after layer " + stage.afterLayer() + " keeps " + stage.keep()
                            + " image tokens, but only " + previousKeep + " reach it");
            previousLayer = stage.afterLayer();
            previousKeep = stage.keep();
        }
    }

    /**
     * A projector stage of {@code entering} tokens (after layer 0) followed by {@code inside}'s stages,
     * which were computed for the {@code entering} tokens that reach the decoder: the schedule of a
     * projector-stage strategy chained with an in-LLM one (docs/method.md#chaining).
     *
     * @throws IllegalArgumentException when {@code inside} is not a schedule of {@code entering}
     *     tokens or already has a projector stage
     */
    public static PruneSchedule chained(int imageTokens, int entering, PruneSchedule inside) {
        require(
                inside.imageTokens() == entering,
                "the in-LLM schedule is for " + inside.imageTokens() + " tokens, but " + entering
                        + " enter the decoder");
        require(
                inside.projectorStage().isEmpty(),
                "the in-LLM schedule already has a projector stage: " + inside.describe());
        List<Stage> all = new ArrayList<>();
        all.add(new Stage(0, entering));
        all.addAll(inside.stages());
        return new PruneSchedule(imageTokens, all);
    }

    /** The projector stage (after layer 0), if the schedule has one. */
    public Optional<Stage> projectorStage() {
        return stages.isEmpty() || !stages.get(0).isProjectorStage() ? Optional.empty() : Optional.of(stages.get(0));
    }

    /** Image tokens entering decoder layer 1: N, or the projector stage's count. */
    public int enteringTokens() {
        return projectorStage().map(Stage::keep).orElse(imageTokens);
    }

    /**
     * The stages inside the decoder as a schedule of the tokens that enter it (the schedule an
     * in-LLM strategy chained after a projector stage sees); this schedule itself when it has no
     * projector stage.
     */
    public PruneSchedule insideDecoder() {
        if (projectorStage().isEmpty()) {
            return this;
        }
        return new PruneSchedule(Math.max(1, enteringTokens()), stages.subList(1, stages.size()));
    }

    /** No pruning: every layer sees all {@code imageTokens}. */
    public static PruneSchedule unpruned(int imageTokens) {
        return new PruneSchedule(imageTokens, List.of());
    }

    /**
     * The TransPrune / FastV form: stage i keeps {@code int(N * ratios[i])} tokens, a fraction of
     * the ORIGINAL count N. Truncation (not rounding) follows the reference implementation, so
     * 576 with [0.875, 0.625, 0.125] gives 504, 360, 72; it is the same truncation as Python's
     * {@code int()} on the same double product.
     *
     * @param imageTokens N
     * @param layers 1-based layers after which to prune, strictly increasing
     * @param ratios keep ratios of N, each in (0, 1], strictly decreasing
     * @throws IllegalArgumentException on a ratio outside (0, 1], ratios that do not decrease,
     *     lists of different lengths or layers that do not increase
     */
    public static PruneSchedule ofOriginalRatios(int imageTokens, List<Integer> layers, List<Double> ratios) {
        requireSameLength(layers, ratios, "keep ratios");
        requireDecoderLayers(layers);
        List<Stage> stages = new ArrayList<>();
        double previousRatio = Double.NaN;
        for (int i = 0; i < layers.size(); i++) {
            double ratio = ratios.get(i);
            requireFraction(ratio, "keep ratio");
            require(
                    i == 0 || ratio < previousRatio,
                    "keep ratios must be strictly decreasing (each is a fraction of the original " + imageTokens
                            + " tokens), got " + ratio + " after " + previousRatio);
            stages.add(new Stage(layers.get(i), (int) (imageTokens * ratio)));
            previousRatio = ratio;
        }
        return new PruneSchedule(imageTokens, stages);
    }

    /**
     * The PyramidDrop form: stage i keeps {@code int(kept_{i-1} * fractions[i])}, a fraction of
     * what is LEFT after the previous stage (576 with 0.5 at [8, 16, 24] gives 288, 144, 72).
     *
     * @param imageTokens N
     * @param layers 1-based layers after which to prune, strictly increasing
     * @param fractions fractions of the remaining tokens to keep, each in (0, 1]
     */
    public static PruneSchedule ofRemainingFractions(int imageTokens, List<Integer> layers, List<Double> fractions) {
        requireSameLength(layers, fractions, "keep fractions");
        requireDecoderLayers(layers);
        List<Stage> stages = new ArrayList<>();
        int remaining = imageTokens;
        for (int i = 0; i < layers.size(); i++) {
            double fraction = fractions.get(i);
            requireFraction(fraction, "keep fraction");
            remaining = (int) (remaining * fraction);
            stages.add(new Stage(layers.get(i), remaining));
        }
        return new PruneSchedule(imageTokens, stages);
    }

    /**
     * Checks that every stage is inside a model of {@code numLayers} decoder layers and leaves at
     * least one layer to run on the kept tokens.
     *
     * @throws IllegalArgumentException naming the offending layer and the model's depth
     */
    public void requireWithinDepth(int numLayers) {
        for (Stage stage : stages) {
            require(
                    stage.afterLayer() < numLayers,
                    "pruning after layer " + stage.afterLayer() + " is beyond the model's depth: it has " + numLayers
                            + " layers, so pruning layers must be in 1.." + (numLayers - 1));
        }
    }

    /** Image tokens that decoder layer {@code layer} (1-based) processes. */
    public int tokensAtLayer(int layer) {
        require(layer >= 1, "layers are numbered from 1, got " + layer);
        int tokens = imageTokens;
        for (Stage stage : stages) {
            // A stage after layer L affects layers L+1 onwards; layer L itself still sees the old count.
            if (stage.afterLayer() < layer) {
                tokens = stage.keep();
            }
        }
        return tokens;
    }

    /** n_l for l = 1..numLayers: element i is the image-token count of layer i + 1. */
    public int[] tokensPerLayer(int numLayers) {
        int[] tokens = new int[numLayers];
        for (int l = 1; l <= numLayers; l++) {
            tokens[l - 1] = tokensAtLayer(l);
        }
        return tokens;
    }

    /** The token count of each stage, starting with N: [576, 504, 360, 72] for TransPrune. */
    public List<Integer> stageTokenCounts() {
        List<Integer> counts = new ArrayList<>();
        counts.add(imageTokens);
        stages.forEach(stage -> counts.add(stage.keep()));
        return List.copyOf(counts);
    }

    /** Whether no stage prunes anything. */
    public boolean isUnpruned() {
        return stages.stream().allMatch(stage -> stage.keep() == imageTokens);
    }

    /**
     * One line, e.g. {@code after [7, 9, 12]: 576 -> 504 -> 360 -> 72}, or {@code unpruned: 576}; a
     * projector stage shows as layer 0 ({@code after [0, 2]: 576 -> 192 -> 96}).
     */
    public String describe() {
        String counts = stageTokenCounts().stream().map(String::valueOf).collect(Collectors.joining(" -> "));
        if (stages.isEmpty()) {
            return "unpruned: " + counts;
        }
        return "after " + stages.stream().map(Stage::afterLayer).toList() + ": " + counts;
    }

    private static void requireSameLength(List<Integer> layers, List<Double> values, String what) {
        require(
                layers.size() == values.size(),
                layers.size() + " pruning layers but " + values.size() + " " + what + "; give one per layer");
    }

    private static void requireDecoderLayers(List<Integer> layers) {
        for (int layer : layers) {
            require(layer >= 1, "pruning layers are numbered from 1, got " + layer);
        }
    }

    private static void requireFraction(double value, String what) {
        require(value > 0 && value <= 1, what + " " + value + " is outside (0, 1]");
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }
}
