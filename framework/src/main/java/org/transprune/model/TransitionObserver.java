package org.transprune.model;

import ai.djl.ndarray.NDArray;

/**
 * Receives the before/after states of a decoder layer's sub-layers (docs/method.md#ttv), for the
 * layers it asks for. The engine passes states it computed anyway: observing costs no extra
 * projection, and layers nobody observes pay nothing.
 */
public interface TransitionObserver {

    /** Whether decoder layer {@code layer} (1-based) should report its transitions. */
    boolean observesTransitions(int layer);

    /**
     * One sub-layer's states, each {@code [length, hidden]}, valid only during the call (copy what
     * you keep, e.g. with {@code toFloatArray()} of a per-token reduction).
     */
    void onTransition(int layer, SubLayer subLayer, NDArray before, NDArray after, TokenLayout layout);
}
