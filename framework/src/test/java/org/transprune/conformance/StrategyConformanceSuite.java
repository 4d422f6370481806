package org.transprune.conformance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import ai.djl.ndarray.NDArray;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.transprune.cost.PruneSchedule;
import org.transprune.image.AnyRes;
import org.transprune.image.AnyResPlan;
import org.transprune.image.AnyResRules;
import org.transprune.image.TokenOrigins;
import org.transprune.model.AttentionObserver;
import org.transprune.model.ForwardHooks;
import org.transprune.model.HiddenStateObserver;
import org.transprune.model.InferenceSession;
import org.transprune.model.LlavaModel;
import org.transprune.model.ProjectorSignal;
import org.transprune.model.QwenModel;
import org.transprune.model.RequestStart;
import org.transprune.model.StartObserver;
import org.transprune.model.StartSignal;
import org.transprune.model.SubLayer;
import org.transprune.model.TinyModels;
import org.transprune.model.TokenLayout;
import org.transprune.model.TransitionObserver;
import org.transprune.pipeline.AnyResProjectorStep;
import org.transprune.pipeline.ProjectorStep;
import org.transprune.pipeline.QwenProjectorStep;
import org.transprune.prune.ChainedStrategy;
import org.transprune.prune.LayerSignals;
import org.transprune.prune.MergeRule;
import org.transprune.prune.ParameterSpec;
import org.transprune.prune.ProjectorDecision;
import org.transprune.prune.ProjectorInputs;
import org.transprune.prune.ProjectorStage;
import org.transprune.prune.PruningStrategy;
import org.transprune.prune.RequestScorer;
import org.transprune.prune.Strategies;
import org.transprune.prune.StrategyCode;
import org.transprune.prune.StrategyParameters;
import org.transprune.prune.StrategyProvider;
import org.transprune.prune.StrategyRun;
import org.transprune.prune.ViewRule;
import org.transprune.text.PromptTokens;

/**
 * The conformance suite every strategy must pass, published in the framework's test-jar: extend it
 * with an empty class ({@code class MyConformanceTest extends StrategyConformanceSuite {}}) and it
 * runs against EVERY strategy registered on the test class path (the framework's own test
 * fixtures excepted). Each runs on a tiny random model deep enough for the defaults of the
 * built-in strategies (PyramidDrop's layer 24 needs 25 layers), with its defaults whenever they fit.
 *
 * <p>Its rules: the defaults of every parameter are valid and fit a 26-layer model with 16 image
 * tokens; exactly the scheduled number of image tokens is kept at each stage, text never; one
 * image token and no text after the image work; a strategy with a {@code layers} parameter accepts
 * {@code layers=[1, 2, 3]} with its other defaults (and {@code window=[1, 3]} if it has one); a
 * fixed seed gives the same tokens; the engine delivers exactly the declared signals; unknown
 * parameters and values of the wrong type are rejected naming the parameter. With LLaVA-NeXT's
 * AnyRes the image-token count varies per image, so every strategy also runs on image blocks of the
 * counts real images give (976, 1,176 and 1,464 on LLaVA-v1.6's geometry; 28 and 46 on the tiny
 * NeXT's), with their token origins: the schedule is the strategy's for that N, the counts are
 * kept, the image-layout signal describes base view, tiles and newlines.
 *
 * <p>A strategy with a projector stage (docs/method.md#projector-stage) runs through the pipeline's
 * {@link ProjectorStep} (a block of fewer image tokens is the tower's first patches); with a
 * {@code tokens} parameter it runs with half the image ({@code tokens=8}); it must let exactly the
 * scheduled number of tokens into the decoder, receive exactly the signals it declared, and chain
 * with an in-LLM strategy. On the LLaVA-NeXT blocks of the tiny tower's geometry (28 and 46 tokens) it
 * runs per view through {@link AnyResProjectorStep}, alone and chained, and must let in the count its
 * {@link ViewRule} gives (docs/llava-next.md#projector-stage).
 */
public abstract class StrategyConformanceSuite {
    /** Deep enough for every built-in default schedule; 16 image tokens. */
    protected static final int LAYERS = 26;

    protected static final int IMAGE_TOKENS = 16;

    /**
     * Parameters for strategies whose defaults do not fit {@link #LAYERS} layers. A strategy whose
     * defaults fit always runs with its defaults.
     */
    private static final Map<String, Map<String, Object>> SMALL_MODEL_PARAMETERS = Map.of();

    /** The model the strategies run on: the tiny LLaVA here, the tiny Qwen2.5-VL in {@link QwenStrategyConformanceSuite}. */
    static ConformanceEngine engine;

    /**
     * Image blocks of LLaVA-NeXT images (origins in prompt order): 300x200 under the llava rules
     * (976) and the hf rules (1,464), 336x336 (1,176), all on LLaVA-v1.6's geometry (336 px views,
     * 24 x 24 patches, standard pinpoints); a 5x7 image on the tiny NeXT's (56 px views, 4 x 4
     * patches) under both rule sets (28, 46).
     */
    protected static List<TokenOrigins> variableImageBlocks() {
        return variableImagePlans().stream().map(AnyResPlan::origins).toList();
    }

    /** The AnyRes plans of {@link #variableImageBlocks()}, in the same order. */
    protected static List<AnyResPlan> variableImagePlans() {
        List<int[]> tiny = List.of(new int[] {56, 112}, new int[] {112, 56}, new int[] {112, 112});
        return List.of(
                AnyRes.plan(300, 200, AnyRes.STANDARD_PINPOINTS, AnyResRules.LLAVA, 336, 24, true),
                AnyRes.plan(336, 336, AnyRes.STANDARD_PINPOINTS, AnyResRules.LLAVA, 336, 24, true),
                AnyRes.plan(300, 200, AnyRes.STANDARD_PINPOINTS, AnyResRules.HF, 336, 24, true),
                AnyRes.plan(5, 7, tiny, AnyResRules.HF, 56, 4, true),
                AnyRes.plan(5, 7, tiny, AnyResRules.LLAVA, 56, 4, true));
    }

    @BeforeAll
    static void loadModel() {
        engine = ConformanceEngine.llava(LAYERS, IMAGE_TOKENS);
    }

    @AfterAll
    static void closeModel() {
        engine.close();
    }

    /**
     * Every registered provider except the framework's test fixtures ({@code test-*}, whose
     * parameters are made for other tests): those come from this class's own code source, which is
     * on the class path whenever the suite is, as a folder inside the lab's build or as the test-jar.
     */
    static Stream<StrategyProvider> providers() {
        String fixtures = StrategyCode.sourceOf(StrategyConformanceSuite.class);
        return Strategies.providers().stream()
                .filter(p -> !StrategyCode.sourceOf(p.getClass()).equals(fixtures));
    }

    @Test
    void atLeastOneStrategyIsUnderTest() {
        assertTrue(providers().findAny().isPresent(), "no strategy registered besides the test fixtures");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("providers")
    void keepsTheDeclaredCountsInsideTheImageBlockAndNeverTouchesText(StrategyProvider provider) {
        Outcome o = run(strategy(provider), 3, IMAGE_TOKENS, 5, 42);
        checkStagesAndLayout(o);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("providers")
    void schedulesEachImageByItsOwnTokenCount(StrategyProvider provider) {
        for (AnyResPlan plan : variableImagePlans()) {
            PruningStrategy strategy = strategy(provider);
            TokenOrigins origins = plan.origins();
            int n = origins.size();
            if (strategy.projectorStage() != null && engine.llavaModel() != null) {
                // per-view tower signals: only blocks of the tiny tower's own geometry (4 x 4 patches a view)
                if (plan.baseTokens() == IMAGE_TOKENS) {
                    checkProjectorStageOnViews(strategy, plan);
                    checkProjectorStageOnViews(ChainedStrategy.of(strategy, firstHalfAfterLayerOne()), plan);
                }
                continue;
            }
            Outcome o = run(strategy, 3, n, 5, 42, origins);
            assertEquals(strategy.schedule(n, LAYERS), o.run.schedule(), "N = " + n);
            assertEquals(n, o.run.schedule().imageTokens(), "N = " + n);
            checkStagesAndLayout(o);
            for (RequestStart s : o.starts) {
                if (s.imageLayout() != null) {
                    assertEquals(n, s.imageLayout().tokens(), "N = " + n);
                    assertEquals(origins, s.imageLayout().origins(), "N = " + n);
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("providers")
    void worksWithOneImageToken(StrategyProvider provider) {
        checkStagesAndLayout(run(strategy(provider), 3, 1, 5, 42));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("providers")
    void worksWithNoTextAfterTheImage(StrategyProvider provider) {
        checkStagesAndLayout(run(strategy(provider), 3, IMAGE_TOKENS, 0, 42));
    }

    /**
     * Consecutive pruning layers from layer 1 (a small model's scaled schedule): a boundary then
     * delivers the next layer's signals before the previous layer's prune. Every strategy with a
     * {@code layers} parameter must cope; window-based ones get a window that covers it.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("providers")
    void worksWithConsecutivePruningLayersFromTheFirst(StrategyProvider provider) {
        java.util.Map<String, Object> params = new java.util.HashMap<>();
        for (var spec : provider.parameters()) {
            switch (spec.name()) {
                case "layers":
                    params.put("layers", List.of(1, 2, 3));
                    break;
                case "window":
                    params.put("window", List.of(1, 3));
                    break;
                default:
                    break;
            }
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(params.containsKey("layers"), "no layers parameter");
        checkStagesAndLayout(run(Strategies.create(provider.name(), params), 3, IMAGE_TOKENS, 5, 42));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("providers")
    void isDeterministicForAFixedSeed(StrategyProvider provider) {
        PruningStrategy strategy = strategy(provider);
        Outcome a = run(strategy, 3, IMAGE_TOKENS, 5, 7);
        Outcome b = run(strategy(provider), 3, IMAGE_TOKENS, 5, 7);
        assertEquals(a.run.stages().size(), b.run.stages().size());
        for (int i = 0; i < a.run.stages().size(); i++) {
            assertArrayEquals(
                    a.run.stages().get(i).keptPatches(), b.run.stages().get(i).keptPatches(), "stage " + i);
        }
        assertArrayEquals(a.prefill.logits(), b.prefill.logits());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("providers")
    void theEngineComputesOnlyTheDeclaredSignals(StrategyProvider provider) {
        PruningStrategy strategy = strategy(provider);
        Outcome o = run(strategy, 3, IMAGE_TOKENS, 5, 42);
        PruneSchedule schedule = o.run.schedule();
        Set<Integer> declaredTransitions = new TreeSet<>();
        Set<Integer> declaredAttention = new TreeSet<>();
        for (int layer = 1; layer <= LAYERS; layer++) {
            if (strategy.signals(layer, schedule).transitions()) {
                declaredTransitions.add(layer);
            }
            if (strategy.signals(layer, schedule).attentionQueries() != null) {
                declaredAttention.add(layer);
            }
        }
        Set<Integer> declaredHidden = new TreeSet<>();
        for (int layer = 1; layer <= LAYERS; layer++) {
            if (strategy.signals(layer, schedule).hiddenStates()) {
                declaredHidden.add(layer);
            }
        }
        assertEquals(declaredTransitions, new TreeSet<>(o.transitionLayers));
        assertEquals(declaredAttention, new TreeSet<>(o.attentionLayers));
        assertEquals(declaredHidden, new TreeSet<>(o.hiddenStateLayers));
        assertEquals(o.hiddenStateLayers.size(), new TreeSet<>(o.hiddenStateLayers).size(), "each layer once");
        Set<StartSignal> declaredStart = strategy.startSignals();
        assertEquals(declaredStart.isEmpty() ? 0 : 1, o.starts.size(), "one start, only when declared");
        for (RequestStart s : o.starts) {
            assertEquals(declaredStart.contains(StartSignal.PROMPT_IDS), s.promptIds() != null);
            assertEquals(declaredStart.contains(StartSignal.IMAGE_EMBEDDINGS), s.imageEmbeddings() != null);
            assertEquals(declaredStart.contains(StartSignal.IMAGE_LAYOUT), s.imageLayout() != null);
            assertEquals(declaredStart.contains(StartSignal.MODEL_DIMENSIONS), s.dimensions() != null);
        }
        Set<ProjectorSignal> declaredProjector = strategy.projectorStage() == null
                ? Set.of()
                : new TreeSet<>(strategy.projectorStage().projectorSignals());
        assertEquals(declaredProjector, o.projectorInputs(), "projector-stage inputs: exactly the declared ones");
    }

    /**
     * A projector stage lets its scheduled count into the decoder, and an in-LLM strategy chained after
     * it prunes what entered: here one that keeps the first half of the entering tokens after layer 1.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("providers")
    void aProjectorStageChainsWithAnInLlmStrategy(StrategyProvider provider) {
        PruningStrategy before = strategy(provider);
        org.junit.jupiter.api.Assumptions.assumeTrue(before.projectorStage() != null, "no projector stage");
        PruningStrategy chain = ChainedStrategy.of(before, firstHalfAfterLayerOne());
        Outcome o = run(chain, 3, IMAGE_TOKENS, 5, 42);
        checkStagesAndLayout(o);
        PruneSchedule schedule = o.run.schedule();
        int entering = before.projectorStage().enteringTokens(IMAGE_TOKENS);
        assertEquals(List.of(IMAGE_TOKENS, entering, entering / 2), schedule.stageTokenCounts());
        assertEquals(
                List.of(0, 1),
                o.run.stages().stream().map(StrategyRun.StageRecord::afterLayer).toList());
        Set<Integer> entered = new TreeSet<>();
        Arrays.stream(o.run.stages().get(0).keptPatches()).forEach(entered::add);
        for (int p : o.run.stages().get(1).keptPatches()) {
            assertTrue(entered.contains(p), "patch " + p + " kept after layer 1 never entered the decoder");
        }
        assertEquals(8 + entering / 2, o.prefill.tokensPerLayer()[LAYERS - 1]);
    }

    /**
     * A projector stage on a LLaVA-NeXT image of {@code plan}'s views (each view the tiny image, scaled
     * differently): the entering count is the one its {@link ViewRule} gives (docs/llava-next.md#projector-stage),
     * a chained in-LLM strategy's schedule is computed for what entered, and the stages, layout and signals
     * follow the usual rules.
     */
    private static void checkProjectorStageOnViews(PruningStrategy strategy, AnyResPlan plan) {
        int n = plan.imageTokens();
        Outcome o = runOnViews(strategy, 3, plan, 5, 42);
        PruneSchedule schedule = o.run.schedule();
        assertEquals(n, schedule.imageTokens(), "N = " + n);
        ProjectorStage stage = strategy.projectorStage();
        int perView = stage.enteringTokens(plan.baseTokens());
        int k = schedule.enteringTokens();
        int[] kept = o.run.stages().get(0).keptPatches();
        TokenOrigins origins = plan.origins();
        switch (stage.viewRule()) {
            case PER_VIEW_GRID -> {
                assertEquals(plan.views() * perView, k, "N = " + n + ": every view's budget");
                assertTrue(
                        Arrays.stream(kept).noneMatch(p -> origins.get(p).isNewline()),
                        "N = " + n + ": no newline token enters per view");
            }
            case WHOLE_BLOCK -> {
                assertEquals((int) Math.rint((double) n * perView / plan.baseTokens()), k, "N = " + n);
                assertTrue(kept.length <= k, "N = " + n);
            }
        }
        if (strategy instanceof ChainedStrategy c) {
            assertEquals(c.inside().schedule(k, LAYERS), schedule.insideDecoder(), "N = " + n);
        } else {
            assertEquals(1, schedule.stages().size(), "N = " + n);
        }
        checkStagesAndLayout(o);
        Set<ProjectorSignal> declared = new TreeSet<>(stage.projectorSignals());
        assertEquals(declared, o.projectorInputs(), "projector-stage inputs on views: exactly the declared ones");
    }

    /**
     * {@link #run} for a strategy with a projector stage on the views of {@code plan} (the tiny image's pixels,
     * scaled per view so no two views tie), through {@link AnyResProjectorStep}.
     */
    private static Outcome runOnViews(PruningStrategy strategy, int prefix, AnyResPlan plan, int suffix, long seed) {
        int n = plan.imageTokens();
        int[] ids = TinyModels.prompt(prefix, n, suffix, 11);
        LlavaModel model = engine.llavaModel();
        float[] pixels = engine.llavaPixels();
        List<float[]> views = new ArrayList<>();
        for (int v = 0; v < plan.views(); v++) {
            float[] view = pixels.clone();
            for (int i = 0; i < view.length; i++) {
                view[i] *= 1f - 0.15f * v;
            }
            views.add(view);
        }
        int hidden = model.config().text().hiddenSize();
        float[] newline = new float[hidden];
        for (int i = 0; i < hidden; i++) {
            newline[i] = (float) Math.sin(0.7 * i);
        }
        Set<ProjectorSignal> given = new TreeSet<>();
        PruningStrategy spied = strategy instanceof ChainedStrategy c
                ? ChainedStrategy.of(recording(c.before(), given), c.inside())
                : recording(strategy, given);
        try (InferenceSession session = model.newSession()) {
            AnyResProjectorStep.Views towers = AnyResProjectorStep.encode(
                    model, plan, views, strategy.projectorStage().projectorSignals(), session.manager());
            ProjectorStep.Entered e = AnyResProjectorStep.enter(
                    model, newline, spied, towers, new PromptTokens(ids, prefix, n), session.manager(), seed);
            int[] entered = e.prompt().ids();
            return prefill(
                    e.run(),
                    prefix,
                    n,
                    suffix,
                    given,
                    hooks -> session.prefill(entered, prefix, e.block(), e.origins(), null, hooks));
        }
    }

    /** An in-LLM strategy for chaining tests: after layer 1, keep the first half of the image tokens. */
    private static PruningStrategy firstHalfAfterLayerOne() {
        return new PruningStrategy() {
            @Override
            public String name() {
                return "first-half";
            }

            @Override
            public PruneSchedule schedule(int imageTokens, int numLayers) {
                return new PruneSchedule(imageTokens, List.of(new PruneSchedule.Stage(1, imageTokens / 2)));
            }

            @Override
            public LayerSignals signals(int layer, PruneSchedule schedule) {
                return LayerSignals.NONE;
            }

            @Override
            public RequestScorer newRequest(long seed) {
                return (afterLayer, keep, layout) -> IntStream.range(0, keep).toArray();
            }
        };
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("providers")
    void rejectsAnUnknownParameter(StrategyProvider provider) {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> Strategies.create(provider.name(), Map.of("no-such-parameter", 1)));
        assertTrue(e.getMessage().contains("no-such-parameter"), e.getMessage());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("providers")
    void rejectsEveryParameterGivenTheWrongType(StrategyProvider provider) {
        for (ParameterSpec spec : provider.parameters()) {
            Object wrong = wrongValue(spec.type());
            IllegalArgumentException e = assertThrows(
                    IllegalArgumentException.class,
                    () -> Strategies.create(provider.name(), Map.of(spec.name(), wrong)),
                    spec.name());
            assertTrue(e.getMessage().contains(spec.name()), e.getMessage());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("providers")
    void defaultsAreValidAndDeclaredWithTheirTypes(StrategyProvider provider) {
        for (ParameterSpec spec : provider.parameters()) {
            assertNotNull(spec.defaultValue(), provider.name() + "." + spec.name() + " has no default");
            assertFalse(spec.description().isBlank(), provider.name() + "." + spec.name());
        }
        assertEquals(
                provider.name(), Strategies.create(provider.name(), Map.of()).name());
    }

    /** At most one budget parameter (docs/method.md#budgets), its default inside the range a solver may use. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("providers")
    void declaresAtMostOneBudgetParameterWithItsDefaultInItsRange(StrategyProvider provider) {
        ParameterSpec budget = ParameterSpec.budgetParameter(provider.parameters());
        if (budget == null) {
            return;
        }
        ParameterSpec.Budget range = budget.budget();
        String what = provider.name() + "." + budget.name() + " = " + budget.defaultValue() + " in " + range.describe();
        if (range.choices() != null) {
            assertTrue(range.choices().contains(budget.defaultValue()), what);
            return;
        }
        List<?> values = budget.defaultValue() instanceof List<?> l ? l : List.of(budget.defaultValue());
        for (Object v : values) {
            double x = ((Number) v).doubleValue();
            assertTrue(range.lowerOpen() ? x > range.lower() : x >= range.lower(), what);
            if (!range.upToImageTokens()) {
                assertTrue(range.upperOpen() ? x < range.upper() : x <= range.upper(), what);
            }
        }
    }

    // ----------------------------------------------------------------------------------------

    protected static PruningStrategy strategy(StrategyProvider provider) {
        PruningStrategy defaults =
                provider.create(StrategyParameters.bind(provider.name(), provider.parameters(), Map.of()));
        if (defaults.projectorStage() != null
                && provider.parameters().stream().anyMatch(p -> p.name().equals("tokens"))) {
            return Strategies.create(provider.name(), Map.of("tokens", IMAGE_TOKENS / 2));
        }
        try {
            defaults.schedule(IMAGE_TOKENS, LAYERS).requireWithinDepth(LAYERS);
            return defaults;
        } catch (IllegalArgumentException e) {
            Map<String, Object> small = SMALL_MODEL_PARAMETERS.get(provider.name());
            if (small == null) {
                fail("the defaults of '" + provider.name() + "' do not fit a " + LAYERS + "-layer model ("
                        + e.getMessage() + "); add its small-model parameters to SMALL_MODEL_PARAMETERS");
            }
            return Strategies.create(provider.name(), small);
        }
    }

    private static Object wrongValue(ParameterSpec.Type type) {
        switch (type) {
            case INT:
                return "seven";
            case DOUBLE:
                return "half";
            case STRING:
                return 5;
            case BOOLEAN:
                return "yes";
            case INT_LIST:
                return List.of("a", "b");
            default:
                return "0.5,0.25";
        }
    }

    /** What one prefill did, with the layers at which the engine delivered each signal. */
    protected record Outcome(
            StrategyRun run,
            InferenceSession.PrefillResult prefill,
            int prefix,
            int imageTokens,
            int suffix,
            List<Integer> transitionLayers,
            List<Integer> attentionLayers,
            int attentionDeliveries,
            List<Integer> hiddenStateLayers,
            List<RequestStart> starts,
            Set<ProjectorSignal> projectorInputs) {}

    /** The strategy with its projector stage recording which inputs it was given. */
    private static PruningStrategy recording(PruningStrategy strategy, Set<ProjectorSignal> given) {
        ProjectorStage stage = strategy.projectorStage();
        ProjectorStage spy = new ProjectorStage() {
            @Override
            public Set<ProjectorSignal> projectorSignals() {
                return stage.projectorSignals();
            }

            @Override
            public int enteringTokens(int imageTokens) {
                return stage.enteringTokens(imageTokens);
            }

            @Override
            public MergeRule mergeRule() {
                return stage.mergeRule();
            }

            @Override
            public ViewRule viewRule() {
                return stage.viewRule();
            }

            @Override
            public List<ProjectorDecision> decideViews(List<ProjectorInputs> views, int[] entering, long seed) {
                for (ProjectorInputs in : views) {
                    record(in);
                }
                return stage.decideViews(views, entering, seed);
            }

            @Override
            public ProjectorDecision decide(ProjectorInputs in, int entering, long seed) {
                record(in);
                return stage.decide(in, entering, seed);
            }

            private void record(ProjectorInputs in) {
                if (in.clsAttention() != null) {
                    given.add(ProjectorSignal.CLS_ATTENTION);
                    assertEquals(in.imageTokens(), in.clsAttention().getShape().get(0));
                }
                if (in.towerKeys() != null) {
                    given.add(ProjectorSignal.TOWER_KEYS);
                    assertEquals(in.imageTokens(), in.towerKeys().getShape().get(0));
                }
                if (in.towerFeatures() != null) {
                    given.add(ProjectorSignal.TOWER_FEATURES);
                    assertEquals(in.imageTokens(), in.towerFeatures().getShape().get(0));
                }
                if (in.projected() != null) {
                    given.add(ProjectorSignal.PROJECTED_TOKENS);
                    assertEquals(in.imageTokens(), in.projected().getShape().get(0));
                }
                if (in.instruction() != null) {
                    given.add(ProjectorSignal.INSTRUCTION_EMBEDDINGS);
                }
            }
        };
        return new PruningStrategy() {
            @Override
            public String name() {
                return strategy.name();
            }

            @Override
            public ProjectorStage projectorStage() {
                return spy;
            }

            @Override
            public PruneSchedule schedule(int imageTokens, int numLayers) {
                return strategy.schedule(imageTokens, numLayers);
            }

            @Override
            public org.transprune.model.PositionPolicy positionPolicy() {
                return strategy.positionPolicy();
            }

            @Override
            public Set<StartSignal> startSignals() {
                return strategy.startSignals();
            }

            @Override
            public LayerSignals signals(int layer, PruneSchedule schedule) {
                return strategy.signals(layer, schedule);
            }

            @Override
            public RequestScorer newRequest(long seed) {
                return strategy.newRequest(seed);
            }
        };
    }

    protected static Outcome run(PruningStrategy strategy, int prefix, int imageTokens, int suffix, long seed) {
        return run(strategy, prefix, imageTokens, suffix, seed, null);
    }

    /**
     * As {@link #run(PruningStrategy, int, int, int, long)}; with {@code origins} the image block has
     * {@code origins.size()} tokens (the tiny image's features, repeated and varied, standing for a
     * LLaVA-NeXT block) and the engine tells the strategy where each came from. A strategy with a
     * projector stage runs through {@link ProjectorStep} on single views only.
     */
    protected static Outcome run(
            PruningStrategy strategy, int prefix, int imageTokens, int suffix, long seed, TokenOrigins origins) {
        int[] ids = TinyModels.prompt(prefix, imageTokens, suffix, 11);
        if (strategy.projectorStage() != null && origins == null && engine.qwenModel() != null) {
            return runQwenProjector(strategy, ids, prefix, imageTokens, suffix, seed);
        }
        if (strategy.projectorStage() != null) {
            org.junit.jupiter.api.Assumptions.assumeTrue(
                    origins == null && engine.llavaModel() != null,
                    "projector-stage strategies run on single views for now");
            LlavaModel model = engine.llavaModel();
            try (InferenceSession session = model.newSession()) {
                Set<ProjectorSignal> given = new TreeSet<>();
                PruningStrategy spied = recording(strategy, given);
                ProjectorStep.Tower tower = ProjectorStep.encode(
                        model, engine.llavaPixels(), strategy.projectorStage().projectorSignals(), session.manager());
                if (imageTokens < IMAGE_TOKENS) {
                    tower = tower.first(imageTokens);
                }
                ProjectorStep.Entered e = ProjectorStep.enter(
                        model, spied, tower, new PromptTokens(ids, prefix, imageTokens), session.manager(), seed);
                int[] entered = e.prompt().ids();
                return prefill(
                        e.run(),
                        prefix,
                        imageTokens,
                        suffix,
                        given,
                        hooks -> session.prefill(entered, prefix, e.block(), e.origins(), null, hooks));
            }
        }
        StrategyRun run = StrategyRun.start(strategy, imageTokens, LAYERS, seed);
        return prefill(
                run,
                prefix,
                imageTokens,
                suffix,
                Set.of(),
                hooks -> engine.prefill(ids, prefix, imageTokens, origins, hooks));
    }

    /**
     * A strategy with a projector stage on the tiny Qwen2.5-VL, through {@link QwenProjectorStep} (a block of
     * fewer image tokens is the first tokens as one row); a strategy reading signals Qwen's tower lacks must be
     * refused with a message naming it, and the test then stops there.
     */
    private static Outcome runQwenProjector(
            PruningStrategy strategy, int[] ids, int prefix, int imageTokens, int suffix, long seed) {
        QwenModel model = engine.qwenModel();
        Set<ProjectorSignal> wanted = strategy.projectorStage().projectorSignals();
        try (InferenceSession session = model.newSession()) {
            QwenProjectorStep.Tower tower =
                    QwenProjectorStep.encode(model, engine.qwenPixels(), wanted, session.manager());
            if (imageTokens < tower.count()) {
                tower = tower.first(imageTokens);
            }
            PromptTokens prompt = new PromptTokens(ids, prefix, imageTokens);
            if (wanted.contains(ProjectorSignal.CLS_ATTENTION) || wanted.contains(ProjectorSignal.TOWER_KEYS)) {
                QwenProjectorStep.Tower t = tower;
                IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(
                        IllegalArgumentException.class,
                        () -> QwenProjectorStep.enter(model, strategy, t, prompt, session.manager(), seed));
                assertTrue(e.getMessage().contains("'" + strategy.name() + "'"), e.getMessage());
                org.junit.jupiter.api.Assumptions.abort("refused on Qwen2.5-VL, as it must be: " + e.getMessage());
            }
            Set<ProjectorSignal> given = new TreeSet<>();
            QwenProjectorStep.Entered e =
                    QwenProjectorStep.enter(model, recording(strategy, given), tower, prompt, session.manager(), seed);
            int[] entered = e.prompt().ids();
            return prefill(
                    e.run(),
                    prefix,
                    imageTokens,
                    suffix,
                    given,
                    hooks -> session.prefill(entered, prefix, e.block(), e.positions(), e.layout(), hooks));
        }
    }

    private static Outcome prefill(
            StrategyRun run,
            int prefix,
            int imageTokens,
            int suffix,
            Set<ProjectorSignal> given,
            Function<ForwardHooks, InferenceSession.PrefillResult> engineCall) {
        ForwardHooks hooks = run.hooks();
        List<Integer> transitionLayers = new ArrayList<>();
        List<Integer> attentionLayers = new ArrayList<>();
        int[] attentionDeliveries = {0};
        List<Integer> hiddenStateLayers = new ArrayList<>();
        List<RequestStart> starts = new ArrayList<>();
        HiddenStateObserver hidden = new HiddenStateObserver() {
            @Override
            public boolean observesHiddenState(int layer) {
                return hooks.hiddenStates().observesHiddenState(layer);
            }

            @Override
            public void onHiddenState(int layer, NDArray h, TokenLayout layout) {
                hiddenStateLayers.add(layer);
                assertEquals(layout.length(), h.getShape().get(0), "hidden state rows at layer " + layer);
                hooks.hiddenStates().onHiddenState(layer, h, layout);
            }
        };
        StartObserver start = new StartObserver() {
            @Override
            public Set<StartSignal> startSignals() {
                return hooks.start().startSignals();
            }

            @Override
            public void onStart(RequestStart s) {
                starts.add(s);
                hooks.start().onStart(s);
            }
        };
        TransitionObserver transitions = new TransitionObserver() {
            @Override
            public boolean observesTransitions(int layer) {
                return hooks.transitions().observesTransitions(layer);
            }

            @Override
            public void onTransition(int layer, SubLayer s, NDArray before, NDArray after, TokenLayout layout) {
                if (s == SubLayer.ATTENTION) {
                    transitionLayers.add(layer);
                }
                hooks.transitions().onTransition(layer, s, before, after, layout);
            }
        };
        AttentionObserver attention = new AttentionObserver() {
            @Override
            public int[] attentionQueries(int layer, TokenLayout layout) {
                int[] q = hooks.attention().attentionQueries(layer, layout);
                if (q != null) {
                    attentionLayers.add(layer);
                    for (int row : q) {
                        assertTrue(row >= 0 && row < layout.length(), "query row " + row);
                    }
                }
                return q;
            }

            @Override
            public void onAttention(int layer, int[] queries, NDArray probabilities, TokenLayout layout) {
                attentionDeliveries[0]++;
                hooks.attention().onAttention(layer, queries, probabilities, layout);
            }
        };
        InferenceSession.PrefillResult prefill = engineCall.apply(
                new ForwardHooks(transitions, attention, hooks.pruner(), hooks.positions(), hidden, start));
        return new Outcome(
                run,
                prefill,
                prefix,
                imageTokens,
                suffix,
                transitionLayers,
                attentionLayers,
                attentionDeliveries[0],
                hiddenStateLayers,
                starts,
                given);
    }

    private static void checkStagesAndLayout(Outcome o) {
        PruneSchedule schedule = o.run.schedule();
        int n = o.imageTokens;
        int[] survivors = IntStream.range(0, n).toArray();
        int tokens = n;
        int record = 0;
        for (PruneSchedule.Stage stage : schedule.stages()) {
            if (survivors.length == 0) {
                break; // nothing left to prune: the run records no further stage
            }
            assertTrue(record < o.run.stages().size(), "no record of the stage after layer " + stage.afterLayer());
            StrategyRun.StageRecord r = o.run.stages().get(record++);
            assertEquals(stage.afterLayer(), r.afterLayer());
            assertEquals(stage.keep(), r.tokens(), "tokens kept after layer " + stage.afterLayer());
            if (r.tokenPatches() == null) {
                assertEquals(stage.keep(), r.keptPatches().length, "kept after layer " + stage.afterLayer());
            }
            assertArrayEquals(survivors, r.candidatePatches(), "candidates after layer " + stage.afterLayer());
            Set<Integer> candidates = new TreeSet<>();
            Arrays.stream(survivors).forEach(candidates::add);
            for (int i = 0; i < r.keptPatches().length; i++) {
                int patch = r.keptPatches()[i];
                assertTrue(candidates.contains(patch), "kept patch " + patch + " was not a candidate");
                assertTrue(i == 0 || patch > r.keptPatches()[i - 1], "kept patches unique and increasing");
            }
            for (Map.Entry<String, float[]> scores : r.scores().entrySet()) {
                assertEquals(survivors.length, scores.getValue().length, "diagnostic '" + scores.getKey() + "' length");
            }
            survivors = r.keptPatches();
            tokens = r.tokens();
        }
        assertEquals(record, o.run.stages().size(), "unexpected extra stages");

        int text = o.prefix + o.suffix;
        int[] tokensPerLayer = o.prefill.tokensPerLayer();
        for (int layer = 1; layer <= LAYERS; layer++) {
            assertEquals(text + schedule.tokensAtLayer(layer), tokensPerLayer[layer - 1], "tokens in layer " + layer);
        }

        TokenLayout last = o.prefill.layout();
        assertEquals(o.prefix, last.imageStart());
        assertEquals(tokens, last.imageLength());
        assertEquals(text + tokens, last.length());
        if (schedule.projectorStage().isEmpty()) {
            assertArrayEquals(survivors, last.imagePatches());
        }
        for (int i = 0; i < o.prefix; i++) {
            assertEquals(i, last.originalIndex()[i], "prefix token " + i);
        }
        for (int j = 0; j < o.suffix; j++) {
            assertEquals(
                    o.prefix + schedule.enteringTokens() + j,
                    last.originalIndex()[last.instructionStart() + j],
                    "instruction token " + j);
        }
        for (float v : o.prefill.logits()) {
            assertTrue(Float.isFinite(v), "logits must be finite");
        }
    }
}
