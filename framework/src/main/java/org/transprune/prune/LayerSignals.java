package org.transprune.prune;

/**
 * What a strategy needs from one decoder layer.
 *
 * @param transitions the before/after states of both sub-layers (docs/method.md#ttv)
 * @param attentionQueries which queries' attention rows to compute at the boundary before this
 *     layer, with this layer's projections (docs/method.md#decoder-loop), or null for none
 */
public record LayerSignals(boolean transitions, QuerySelector attentionQueries) {

    /** Nothing: the layer runs exactly as in an unpruned model. */
    public static final LayerSignals NONE = new LayerSignals(false, null);

    /** Sub-layer transitions only (attention-free). */
    public static final LayerSignals TRANSITIONS = new LayerSignals(true, null);

    /** Attention rows of the given queries only. */
    public static LayerSignals attention(QuerySelector queries) {
        return new LayerSignals(false, queries);
    }

    public LayerSignals and(LayerSignals other) {
        if (attentionQueries != null && other.attentionQueries != null && attentionQueries != other.attentionQueries) {
            throw new IllegalArgumentException("two different query selections for one layer");
        }
        return new LayerSignals(
                transitions || other.transitions, attentionQueries != null ? attentionQueries : other.attentionQueries);
    }

    public boolean isNone() {
        return !transitions && attentionQueries == null;
    }
}
