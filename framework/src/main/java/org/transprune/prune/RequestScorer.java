package org.transprune.prune;

import ai.djl.ndarray.NDArray;
import java.util.Map;
import org.transprune.model.RequestStart;
import org.transprune.model.SubLayer;
import org.transprune.model.TokenLayout;

/**
 * Per-request state of a strategy: receives the signals it declared and picks the tokens to keep
 * at each stage. The arrays passed in are valid only during the call; keep Java copies of what
 * must outlive it (e.g. per-token scores as {@code float[]}).
 */
public interface RequestScorer {

    /**
     * The request's start, once before layer 1, with the parts {@link PruningStrategy#startSignals()}
     * asked for (the others null); never called when it asks for none.
     */
    default void onStart(RequestStart start) {}

    /**
     * The residual-stream hidden state {@code [length, hidden]} entering decoder layer {@code layer}
     * (1-based), for a layer whose signals asked for it: layer {@code layer - 1}'s output with its
     * residual additions, unnormalised (layer 1: the input embeddings), before the prune after
     * layer {@code layer - 1}.
     */
    default void onHiddenState(int layer, NDArray hidden, TokenLayout layout) {}

    /**
     * Sub-layer transition of a layer whose signals asked for transitions, each {@code [length, hidden]}:
     * {@code before} is the sub-layer's input after its RMSNorm ({@code input_layernorm} for attention,
     * {@code post_attention_layernorm} for the MLP), {@code after} is the sub-layer's output before the
     * residual addition.
     */
    default void onTransition(int layer, SubLayer subLayer, NDArray before, NDArray after, TokenLayout layout) {}

    /** Head-averaged attention rows {@code [queries, length]} computed at the boundary before {@code layer}. */
    default void onAttention(int layer, int[] queries, NDArray probabilities, TokenLayout layout) {}

    /**
     * Picks exactly {@code keep} image tokens after layer {@code afterLayer}.
     *
     * @return indices into the current image block, strictly increasing, {@code keep} of them
     */
    int[] select(int afterLayer, int keep, TokenLayout layout);

    /**
     * Optional per-stage diagnostics (scores per image token) for {@code transprune inspect};
     * empty by default.
     */
    default Map<String, float[]> lastScores() {
        return Map.of();
    }
}
