package org.transprune.model;

import java.util.Objects;

/**
 * What a prefill should observe and how it may prune. Any part may be absent; {@link #NONE} runs
 * the plain model with no extra work.
 *
 * @param transitions receives sub-layer transitions, or null
 * @param attention receives attention rows, or null
 * @param pruner decides what to keep between layers, or null
 * @param positions the position-id policy after a prune
 * @param hiddenStates receives the residual stream at layer boundaries, or null
 * @param start receives the request's start before layer 1, or null
 */
public record ForwardHooks(
        TransitionObserver transitions,
        AttentionObserver attention,
        PruneDecider pruner,
        PositionPolicy positions,
        HiddenStateObserver hiddenStates,
        StartObserver start) {

    /** The unmodified forward. */
    public static final ForwardHooks NONE = new ForwardHooks(null, null, null, PositionPolicy.RENUMBER);

    public ForwardHooks {
        Objects.requireNonNull(positions, "positions");
    }

    /** Hooks without hidden-state or start observers. */
    public ForwardHooks(
            TransitionObserver transitions,
            AttentionObserver attention,
            PruneDecider pruner,
            PositionPolicy positions) {
        this(transitions, attention, pruner, positions, null, null);
    }

    /** Hooks that only prune, with the given position policy. */
    public static ForwardHooks pruning(PruneDecider pruner, PositionPolicy positions) {
        return new ForwardHooks(null, null, pruner, positions);
    }
}
