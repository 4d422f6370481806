package org.transprune.prune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import ai.djl.ndarray.NDArray;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.transprune.cost.PruneSchedule;
import org.transprune.model.InferenceSession;
import org.transprune.model.LlavaModel;
import org.transprune.model.RequestStart;
import org.transprune.model.StartSignal;
import org.transprune.model.TinyModels;
import org.transprune.model.TokenLayout;

/** A strategy's declared hidden states and start parts reach its scorer through {@link StrategyRun}, and only those. */
class StrategySignalsTest {

    /** Prunes after layer 1 to half; hidden state declared at {@code hiddenAt}; start parts {@code start}. */
    private static PruningStrategy strategy(int hiddenAt, Set<StartSignal> start, List<String> calls) {
        return new PruningStrategy() {
            @Override
            public String name() {
                return "signals";
            }

            @Override
            public PruneSchedule schedule(int n, int layers) {
                return PruneSchedule.ofOriginalRatios(n, List.of(1), List.of(0.5));
            }

            @Override
            public Set<StartSignal> startSignals() {
                return start;
            }

            @Override
            public LayerSignals signals(int layer, PruneSchedule s) {
                return layer == hiddenAt ? LayerSignals.HIDDEN_STATES : LayerSignals.NONE;
            }

            @Override
            public RequestScorer newRequest(long seed) {
                return new RequestScorer() {
                    @Override
                    public void onStart(RequestStart s) {
                        calls.add("start ids=" + (s.promptIds() == null ? "-" : s.promptIds().length) + " dims="
                                + (s.dimensions() == null ? "-" : s.dimensions().layers()) + " emb="
                                + (s.imageEmbeddings() == null
                                        ? "-"
                                        : s.imageEmbeddings().getShape()));
                        assertNull(s.imageLayout());
                    }

                    @Override
                    public void onHiddenState(int layer, NDArray hidden, TokenLayout layout) {
                        calls.add("hidden " + layer + " " + hidden.getShape());
                    }

                    @Override
                    public int[] select(int afterLayer, int keep, TokenLayout layout) {
                        calls.add("select " + afterLayer);
                        return java.util.stream.IntStream.range(0, keep).toArray();
                    }
                };
            }
        };
    }

    private static List<String> run(LlavaModel model, int hiddenAt, Set<StartSignal> start) {
        List<String> calls = new ArrayList<>();
        StrategyRun run = StrategyRun.start(
                strategy(hiddenAt, start, calls), 16, model.config().text().numLayers(), 0);
        try (InferenceSession s = model.newSession()) {
            NDArray image = model.encodeImage(TinyModels.pixels(model.config(), 2), s.manager());
            s.prefill(TinyModels.prompt(2, 16, 4, 9), 2, image, null, run.hooks());
        }
        return calls;
    }

    @Test
    void theScorerGetsWhatItDeclaredInOrder() {
        try (LlavaModel model = TinyModels.load(1)) {
            int layers = model.config().text().numLayers();
            int d = model.config().text().hiddenSize();
            assertEquals(
                    List.of("start ids=22 dims=" + layers + " emb=-", "hidden 2 (22, " + d + ")", "select 1"),
                    run(model, 2, EnumSet.of(StartSignal.PROMPT_IDS, StartSignal.MODEL_DIMENSIONS)));
            assertEquals(
                    List.of("start ids=- dims=- emb=(16, " + d + ")", "select 1", "hidden 3 (14, " + d + ")"),
                    run(model, 3, EnumSet.of(StartSignal.IMAGE_EMBEDDINGS)));
            assertArrayEquals(new String[] {"select 1"}, run(model, 0, Set.of()).toArray());
        }
    }
}
