package org.transprune.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.transprune.checkpoint.CanonicalNames;
import org.transprune.checkpoint.InMemoryTensorSource;
import org.transprune.checkpoint.RandomLlavaWeights;
import org.transprune.config.LlavaConfig;
import org.transprune.config.TextConfig;

/**
 * The residual-stream hidden states and the request's start: delivered only when asked for, with
 * the values their documentation promises.
 */
class RequestSignalsTest {
    private static final int PREFIX = 2;
    private static final int SUFFIX = 4;

    /** Observes hidden states at {@code hiddenLayers} and transitions at {@code transitionLayers}. */
    private static final class Recorder implements HiddenStateObserver, TransitionObserver, StartObserver {
        final Set<Integer> hiddenLayers;
        final Set<Integer> transitionLayers;
        final Set<StartSignal> startSignals;
        final Map<Integer, float[]> hidden = new TreeMap<>();
        final Map<String, float[]> transitions = new TreeMap<>();
        final List<RequestStart> starts = new ArrayList<>();
        float[] startEmbeddings;

        Recorder(Set<Integer> hiddenLayers, Set<Integer> transitionLayers, Set<StartSignal> startSignals) {
            this.hiddenLayers = hiddenLayers;
            this.transitionLayers = transitionLayers;
            this.startSignals = startSignals;
        }

        @Override
        public boolean observesHiddenState(int layer) {
            return hiddenLayers.contains(layer);
        }

        @Override
        public void onHiddenState(int layer, NDArray h, TokenLayout layout) {
            assertEquals(layout.length(), h.getShape().get(0));
            hidden.put(layer, h.toFloatArray());
        }

        @Override
        public boolean observesTransitions(int layer) {
            return transitionLayers.contains(layer);
        }

        @Override
        public void onTransition(int layer, SubLayer s, NDArray before, NDArray after, TokenLayout layout) {
            transitions.put(layer + ":" + s + ":after", after.toFloatArray());
        }

        @Override
        public Set<StartSignal> startSignals() {
            return startSignals;
        }

        @Override
        public void onStart(RequestStart start) {
            starts.add(start);
            if (start.imageEmbeddings() != null) {
                startEmbeddings = start.imageEmbeddings().toFloatArray();
            }
        }
    }

    private record Prompt(int[] ids, float[] image) {}

    private static Prompt run(LlavaModel model, Recorder r) {
        try (InferenceSession s = model.newSession()) {
            NDArray image = model.encodeImage(TinyModels.pixels(model.config(), 2), s.manager());
            int[] ids = TinyModels.prompt(PREFIX, 16, SUFFIX, 9);
            PruneDecider prune = (layer, layout) -> layer == 2 ? new int[] {1, 3, 5, 7} : null;
            s.prefill(ids, PREFIX, image, null, new ForwardHooks(r, null, prune, PositionPolicy.RENUMBER, r, r));
            return new Prompt(ids, image.toFloatArray());
        }
    }

    @Test
    void hiddenStatesArriveOnlyWhereAskedAndAreTheResidualStream() {
        LlavaConfig config = TinyModels.config();
        InMemoryTensorSource weights = RandomLlavaWeights.generate(config, 4);
        Recorder r = new Recorder(Set.of(1, 2, 4), Set.of(1), Set.of());
        Prompt p;
        try (LlavaModel model = LlavaModel.load(config, weights, ai.djl.Device.cpu(), WeightPolicy.FP32)) {
            p = run(model, r);
        }
        assertEquals(Set.of(1, 2, 4), r.hidden.keySet());
        assertEquals(List.of(), r.starts, "no start signal asked for, no call");
        int d = config.text().hiddenSize();
        int length = PREFIX + 16 + SUFFIX;
        // Layer 1: the input embeddings: token embeddings of the text, the projector's output in the image block.
        float[] h1 = r.hidden.get(1);
        assertEquals(length * d, h1.length);
        float[] emb = ObservationHooksTest.floats(weights, CanonicalNames.EMBED_TOKENS);
        for (int row = 0; row < PREFIX; row++) {
            for (int j = 0; j < d; j++) {
                assertEquals(emb[p.ids()[row] * d + j], h1[row * d + j], 0f, "text row " + row);
            }
        }
        for (int i = 0; i < 16 * d; i++) {
            assertEquals(p.image()[i], h1[PREFIX * d + i], 0f, "image embedding " + i);
        }
        // Layer 2: layer 1's output = its input + attention output + MLP output (the transitions carry no residual).
        float[] h2 = r.hidden.get(2);
        float[] attn = r.transitions.get("1:ATTENTION:after");
        float[] mlp = r.transitions.get("1:FFN:after");
        for (int i = 0; i < h2.length; i++) {
            assertEquals(h1[i] + attn[i] + mlp[i], h2[i], 1e-4f * (1 + Math.abs(h2[i])), "element " + i);
        }
        // Layer 4: after the prune following layer 2, only the kept image tokens remain.
        assertEquals((PREFIX + 4 + SUFFIX) * d, r.hidden.get(4).length);
    }

    @Test
    void theStartCarriesExactlyTheDeclaredParts() {
        try (LlavaModel model = TinyModels.load(1)) {
            TextConfig t = model.config().text();
            int grid = model.config().vision().gridSize();

            Recorder ids =
                    new Recorder(Set.of(), Set.of(), EnumSet.of(StartSignal.PROMPT_IDS, StartSignal.MODEL_DIMENSIONS));
            Prompt p = run(model, ids);
            assertEquals(1, ids.starts.size());
            RequestStart s = ids.starts.get(0);
            assertArrayEquals(p.ids(), s.promptIds());
            assertEquals(
                    new ModelDimensions(
                            t.hiddenSize(),
                            t.numLayers(),
                            t.numHeads(),
                            t.numKeyValueHeads(),
                            t.headDim(),
                            t.intermediateSize(),
                            t.vocabSize()),
                    s.dimensions());
            assertNull(s.imageEmbeddings());
            assertNull(s.imageLayout());
            assertEquals(TokenLayout.initial(PREFIX + 16 + SUFFIX, PREFIX, 16), s.layout());
            assertEquals(Map.of(), ids.hidden);

            Recorder image = new Recorder(
                    Set.of(), Set.of(), EnumSet.of(StartSignal.IMAGE_EMBEDDINGS, StartSignal.IMAGE_LAYOUT));
            Prompt q = run(model, image);
            RequestStart st = image.starts.get(0);
            assertNull(st.promptIds());
            assertNull(st.dimensions());
            assertArrayEquals(q.image(), image.startEmbeddings, 0f);
            ImageLayout layout = st.imageLayout();
            assertEquals(1, layout.views());
            assertEquals(grid, layout.rows());
            assertEquals(grid, layout.columns());
            assertEquals(16, layout.tokens());
            for (int patch = 0; patch < 16; patch++) {
                assertEquals(patch / grid, layout.row()[patch]);
                assertEquals(patch % grid, layout.column()[patch]);
                assertEquals(0, layout.view()[patch]);
            }
            assertTrue(grid * grid == 16, "the tiny model's grid is 4 x 4");

            Recorder none = new Recorder(Set.of(), Set.of(), Set.of());
            run(model, none);
            assertEquals(List.of(), none.starts);
        }
    }
}
