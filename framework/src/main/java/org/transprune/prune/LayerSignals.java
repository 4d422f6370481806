package org.transprune.prune;

/**
 * What a strategy needs from one decoder layer (see strategies/WRITING_A_STRATEGY.md for the exact
 * semantics of each signal).
 *
 * @param transitions each sub-layer's normalised input and its output before the residual addition,
 *     delivered to {@link RequestScorer#onTransition} while the layer runs (docs/method.md#ttv)
 * @param attentionQueries which queries' attention rows to compute at the boundary before this
 *     layer, with this layer's input norm and projections (docs/method.md#decoder-loop), or null for none
 * @param hiddenStates the residual-stream hidden state entering this layer (the previous layer's
 *     output; the input embeddings for layer 1), delivered to {@link RequestScorer#onHiddenState}
 *     at the boundary before it
 */
public record LayerSignals(boolean transitions, QuerySelector attentionQueries, boolean hiddenStates) {

    /** Nothing: the layer runs exactly as in an unpruned model. */
    public static final LayerSignals NONE = new LayerSignals(false, null, false);

    /** Sub-layer transitions only (attention-free). */
    public static final LayerSignals TRANSITIONS = new LayerSignals(true, null, false);

    /** The hidden state entering the layer only. */
    public static final LayerSignals HIDDEN_STATES = new LayerSignals(false, null, true);

    /** Transitions and attention rows, without the hidden state. */
    public LayerSignals(boolean transitions, QuerySelector attentionQueries) {
        this(transitions, attentionQueries, false);
    }

    /** Attention rows of the given queries only. */
    public static LayerSignals attention(QuerySelector queries) {
        return new LayerSignals(false, queries, false);
    }

    public LayerSignals and(LayerSignals other) {
        if (attentionQueries != null && other.attentionQueries != null && attentionQueries != other.attentionQueries) {
            throw new IllegalArgumentException("two different query selections for one layer");
        }
        return new LayerSignals(
                transitions || other.transitions,
                attentionQueries != null ? attentionQueries : other.attentionQueries,
                hiddenStates || other.hiddenStates);
    }

    public boolean isNone() {
        return !transitions && attentionQueries == null && !hiddenStates;
    }
}
