package org.transprune.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.transprune.config.LlavaConfig;
import org.transprune.cost.PruneSchedule;
import org.transprune.model.ForwardHooks;
import org.transprune.model.InferenceSession;
import org.transprune.model.LlavaModel;
import org.transprune.model.PositionPolicy;
import org.transprune.model.ProjectorSignal;
import org.transprune.model.TinyModels;
import org.transprune.model.WeightPolicy;
import org.transprune.prune.LayerSignals;
import org.transprune.prune.MergeRule;
import org.transprune.prune.ProjectorDecision;
import org.transprune.prune.ProjectorInputs;
import org.transprune.prune.ProjectorOnlyStrategy;
import org.transprune.prune.PruningStrategy;
import org.transprune.prune.RequestScorer;
import org.transprune.text.PromptTokens;

/** The projector step against independent computations of the same request. */
class ProjectorStepTest {
    private static final int[] KEPT = {1, 4, 5, 9, 14};

    /** Lets {@link #KEPT} in, or {@code KEPT} plus a token at patch 2 absorbing 3 and 7. */
    private static PruningStrategy stage(boolean merge, MergeRule rule) {
        return new ProjectorOnlyStrategy() {
            @Override
            public String name() {
                return "fixed";
            }

            @Override
            public Set<ProjectorSignal> projectorSignals() {
                return Set.of();
            }

            @Override
            public MergeRule mergeRule() {
                return rule;
            }

            @Override
            public int enteringTokens(int imageTokens) {
                return KEPT.length + (merge ? 1 : 0);
            }

            @Override
            public ProjectorDecision decide(ProjectorInputs in, int entering, long seed) {
                return new ProjectorDecision(
                        KEPT,
                        merge ? List.of(new ProjectorDecision.MergedToken(2, new int[] {3, 7})) : List.of(),
                        false,
                        Map.of());
            }
        };
    }

    /**
     * Keeping tokens before the decoder is exactly the engine's prune before layer 1 with renumbered
     * positions: same logits, same tokens per layer.
     */
    @Test
    void keptTokensEqualTheEnginesPruneBeforeLayerOne() {
        LlavaConfig config = TinyModels.config(4);
        try (LlavaModel model = TinyModels.load(config, 3, WeightPolicy.FP32)) {
            float[] pixels = TinyModels.pixels(config, 9);
            int[] ids = TinyModels.prompt(3, 16, 5, 2);
            float[] viaStep;
            int[] perLayerStep;
            try (InferenceSession s = model.newSession()) {
                ProjectorStep.Tower tower = ProjectorStep.encode(model, pixels, Set.of(), s.manager());
                ProjectorStep.Entered e = ProjectorStep.enter(
                        model,
                        stage(false, MergeRule.FEATURE_MEAN),
                        tower,
                        new PromptTokens(ids, 3, 16),
                        s.manager(),
                        1);
                InferenceSession.PrefillResult r =
                        s.prefill(e.prompt().ids(), 3, e.block(), null, e.run().hooks());
                viaStep = r.logits();
                perLayerStep = r.tokensPerLayer();
            }
            PruningStrategy beforeLayerOne = new PruningStrategy() {
                @Override
                public String name() {
                    return "engine";
                }

                @Override
                public PruneSchedule schedule(int imageTokens, int numLayers) {
                    return new PruneSchedule(imageTokens, List.of(new PruneSchedule.Stage(0, KEPT.length)));
                }

                @Override
                public LayerSignals signals(int layer, PruneSchedule schedule) {
                    return LayerSignals.NONE;
                }

                @Override
                public RequestScorer newRequest(long seed) {
                    return (afterLayer, keep, layout) -> KEPT.clone();
                }
            };
            try (InferenceSession s = model.newSession()) {
                NDArray image = model.encodeImage(pixels, s.manager());
                var run = org.transprune.prune.StrategyRun.start(beforeLayerOne, 16, 4, 1);
                InferenceSession.PrefillResult r = s.prefill(
                        ids, 3, image, null, ForwardHooks.pruning(run.hooks().pruner(), PositionPolicy.RENUMBER));
                assertArrayEquals(r.tokensPerLayer(), perLayerStep);
                assertArrayEquals(r.logits(), viaStep, 1e-4f);
            }
        }
    }

    /** A merged token is the projector applied to the rule's combination of tower features. */
    @Test
    void mergedTokensFollowTheirRule() {
        LlavaConfig config = TinyModels.config(2);
        try (LlavaModel model = TinyModels.load(config, 3, WeightPolicy.FP32)) {
            float[] pixels = TinyModels.pixels(config, 9);
            int[] ids = TinyModels.prompt(3, 16, 5, 2);
            try (InferenceSession s = model.newSession()) {
                ProjectorStep.Tower tower = ProjectorStep.encode(model, pixels, Set.of(), s.manager());
                int w = tower.width();
                float[] f = tower.features();
                for (MergeRule rule : List.of(MergeRule.FEATURE_MEAN, MergeRule.FEATURE_ANCHOR_PLUS_MEAN)) {
                    ProjectorStep.Entered e = ProjectorStep.enter(
                            model, stage(true, rule), tower, new PromptTokens(ids, 3, 16), s.manager(), 1);
                    assertEquals(KEPT.length + 1, e.block().getShape().get(0));
                    float[] expected = new float[w];
                    for (int j = 0; j < w; j++) {
                        double a = f[2 * w + j];
                        double b = f[3 * w + j];
                        double c = f[7 * w + j];
                        expected[j] = (float) (rule == MergeRule.FEATURE_MEAN ? (a + b + c) / 3 : a + (b + c) / 2);
                    }
                    float[] projected = LlavaModel.floats(
                            model.project(model.upload(expected, new ai.djl.ndarray.types.Shape(1, w), s.manager())));
                    float[] got = LlavaModel.floats(e.block().get(KEPT.length + ":"));
                    assertArrayEquals(projected, got, 1e-5f, rule.toString());
                    // kept rows are the unpruned projected tokens
                    float[] all = LlavaModel.floats(model.encodeImage(pixels, s.manager()));
                    int d = all.length / 16;
                    float[] block = LlavaModel.floats(e.block());
                    for (int i = 0; i < KEPT.length; i++) {
                        for (int j = 0; j < d; j++) {
                            assertEquals(all[KEPT[i] * d + j], block[i * d + j], 1e-5f);
                        }
                    }
                    assertArrayEquals(
                            IntStream.of(1, 2, 4, 5, 9, 14).toArray(),
                            e.run().stages().get(0).keptPatches());
                    assertArrayEquals(
                            new int[] {2, 3, 7}, e.run().stages().get(0).tokenPatches()[KEPT.length]);
                }
            }
        }
    }
}
