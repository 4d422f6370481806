package org.transprune.run;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.transprune.cost.PruneSchedule;
import org.transprune.prune.LayerSignals;
import org.transprune.prune.ParameterSpec;
import org.transprune.prune.PruningStrategy;
import org.transprune.prune.RequestScorer;
import org.transprune.prune.StrategyParameters;
import org.transprune.prune.StrategyProvider;

/**
 * Strategies registered only for the framework's tests (the real ones live in the strategies
 * module). Names start with {@code test-} so they cannot clash with real providers when the test
 * jar is on another module's class path.
 */
public final class TestStrategies {
    private TestStrategies() {}

    /** No pruning at all: the reference configuration. */
    public static final class Unpruned implements StrategyProvider {
        @Override
        public String name() {
            return "test-unpruned";
        }

        @Override
        public String description() {
            return "keeps every token (test)";
        }

        @Override
        public List<ParameterSpec> parameters() {
            return List.of();
        }

        @Override
        public PruningStrategy create(StrategyParameters parameters) {
            return strategy(name(), parameters, (n, layers) -> PruneSchedule.unpruned(n), -1);
        }
    }

    /**
     * Prunes after {@code layers} to {@code int(N * ratios[i])} tokens, keeping the first ones, or
     * a seeded random subset when {@code random} is true. {@code alpha} is accepted and ignored
     * (to exercise grids over a scalar).
     */
    public static final class KeepFirst implements StrategyProvider {
        @Override
        public String name() {
            return "test-keep";
        }

        @Override
        public String description() {
            return "keeps the first (or random) image tokens (test)";
        }

        @Override
        public List<ParameterSpec> parameters() {
            return List.of(
                    ParameterSpec.ints("layers", List.of(2), "layers after which to prune"),
                    ParameterSpec.doubles("ratios", List.of(0.5), "keep ratios of N"),
                    ParameterSpec.of("alpha", ParameterSpec.Type.DOUBLE, 0.5, "ignored"),
                    ParameterSpec.of("random", ParameterSpec.Type.BOOLEAN, false, "random subset"));
        }

        @Override
        public PruningStrategy create(StrategyParameters p) {
            double alpha = p.getDouble("alpha");
            if (alpha < 0 || alpha > 1) {
                throw p.invalid("alpha", "must be in [0, 1]");
            }
            List<Integer> layers = p.getInts("layers");
            List<Double> ratios = p.getDoubles("ratios");
            PruneSchedule.ofOriginalRatios(16, layers, ratios); // fails early on lists of different lengths
            return strategy(
                    name(),
                    p,
                    (n, l) -> PruneSchedule.ofOriginalRatios(n, layers, ratios),
                    p.getBoolean("random") ? 1 : 0);
        }
    }

    /**
     * FastV's schedule: after layer {@code k}, keep {@code rint(N * (1 - r))}; {@code r} is the budget parameter, a
     * number in [0, 1).
     */
    public static final class Drop implements StrategyProvider {
        @Override
        public String name() {
            return "test-drop";
        }

        @Override
        public String description() {
            return "drops a fraction r of the image tokens after layer k (test)";
        }

        @Override
        public List<ParameterSpec> parameters() {
            return List.of(
                    ParameterSpec.of("k", ParameterSpec.Type.INT, 2, "layer"),
                    ParameterSpec.of("r", ParameterSpec.Type.DOUBLE, 0.5, "fraction dropped")
                            .asBudget(ParameterSpec.Budget.interval(0, false, 1, true)));
        }

        @Override
        public PruningStrategy create(StrategyParameters p) {
            int k = p.getInt("k");
            double r = p.getDouble("r");
            if (!(r >= 0 && r < 1)) {
                throw p.invalid("r", "must be in [0, 1)");
            }
            return strategy(
                    name(),
                    p,
                    (n, l) -> new PruneSchedule(n, List.of(new PruneSchedule.Stage(k, (int) Math.rint(n * (1 - r))))),
                    0);
        }
    }

    /** Keeps {@code tokens} image tokens after layer {@code k}; {@code tokens} is the budget parameter, in [1, N]. */
    public static final class Count implements StrategyProvider {
        @Override
        public String name() {
            return "test-count";
        }

        @Override
        public String description() {
            return "keeps a count of image tokens after layer k (test)";
        }

        @Override
        public List<ParameterSpec> parameters() {
            return List.of(
                    ParameterSpec.of("k", ParameterSpec.Type.INT, 2, "layer"),
                    ParameterSpec.of("tokens", ParameterSpec.Type.INT, 64, "tokens kept")
                            .asBudget(ParameterSpec.Budget.tokenCount(1)));
        }

        @Override
        public PruningStrategy create(StrategyParameters p) {
            int k = p.getInt("k");
            int tokens = p.getInt("tokens");
            return strategy(name(), p, (n, l) -> new PruneSchedule(n, List.of(new PruneSchedule.Stage(k, tokens))), 0);
        }
    }

    private interface ScheduleOf {
        PruneSchedule of(int imageTokens, int numLayers);
    }

    private static PruningStrategy strategy(String name, StrategyParameters p, ScheduleOf schedule, int random) {
        return new PruningStrategy() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public PruneSchedule schedule(int imageTokens, int numLayers) {
                return schedule.of(imageTokens, numLayers);
            }

            @Override
            public LayerSignals signals(int layer, PruneSchedule s) {
                return LayerSignals.NONE;
            }

            @Override
            public RequestScorer newRequest(long seed) {
                SplittableRandom rng = new SplittableRandom(seed);
                return (afterLayer, keep, layout) -> {
                    int n = layout.imageLength();
                    return random <= 0 ? IntStream.range(0, keep).toArray() : pick(rng, n, keep);
                };
            }
        };
    }

    private static int[] pick(SplittableRandom rng, int n, int keep) {
        int[] idx = IntStream.range(0, n).toArray();
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = idx[i];
            idx[i] = idx[j];
            idx[j] = t;
        }
        int[] chosen = Arrays.copyOf(idx, keep);
        Arrays.sort(chosen);
        return chosen;
    }

    /**
     * Decides before the decoder: the first {@code tokens} patches enter it, or, with {@code merge}, the
     * first {@code tokens - 1} plus one token merging all the others.
     */
    public static final class FirstPatches implements StrategyProvider {
        @Override
        public String name() {
            return "test-first";
        }

        @Override
        public String description() {
            return "lets the first image tokens into the decoder (test)";
        }

        @Override
        public List<ParameterSpec> parameters() {
            return List.of(
                    ParameterSpec.of("tokens", ParameterSpec.Type.INT, 8, "tokens entering the decoder")
                            .asBudget(ParameterSpec.Budget.tokenCount(1)),
                    ParameterSpec.of("merge", ParameterSpec.Type.BOOLEAN, false, "merge the rest into one"));
        }

        @Override
        public PruningStrategy create(StrategyParameters p) {
            int tokens = p.getInt("tokens");
            boolean merge = p.getBoolean("merge");
            if (tokens < 1) {
                throw p.invalid("tokens", "must be at least 1");
            }
            return new org.transprune.prune.ProjectorOnlyStrategy() {
                @Override
                public String name() {
                    return "test-first";
                }

                @Override
                public java.util.Set<org.transprune.model.ProjectorSignal> projectorSignals() {
                    return java.util.Set.of();
                }

                @Override
                public int enteringTokens(int imageTokens) {
                    return Math.min(tokens, imageTokens);
                }

                @Override
                public org.transprune.prune.ProjectorDecision decide(
                        org.transprune.prune.ProjectorInputs in, int entering, long seed) {
                    int n = in.imageTokens();
                    if (!merge || entering == n) {
                        return org.transprune.prune.ProjectorDecision.keep(
                                IntStream.range(0, entering).toArray(), java.util.Map.of());
                    }
                    int[] rest = IntStream.range(entering, n).toArray();
                    return new org.transprune.prune.ProjectorDecision(
                            IntStream.range(0, entering - 1).toArray(),
                            List.of(new org.transprune.prune.ProjectorDecision.MergedToken(entering - 1, rest)),
                            false,
                            java.util.Map.of());
                }
            };
        }
    }
}
