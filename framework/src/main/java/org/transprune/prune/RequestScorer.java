package org.transprune.prune;

import ai.djl.ndarray.NDArray;
import java.util.Map;
import org.transprune.model.SubLayer;
import org.transprune.model.TokenLayout;

/**
 * Per-request state of a strategy: receives the signals it declared and picks the tokens to keep
 * at each stage. The arrays passed in are valid only during the call; keep Java copies of what
 * must outlive it (e.g. per-token scores as {@code float[]}).
 */
public interface RequestScorer {

    /** Sub-layer states {@code [length, hidden]} of a layer whose signals asked for transitions. */
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
