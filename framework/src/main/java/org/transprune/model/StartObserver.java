package org.transprune.model;

import java.util.Set;

/** Receives the request's start (prompt, image embeddings and layout, model sizes) before layer 1 runs. */
public interface StartObserver {

    /** The parts wanted; an empty set means no call at all. */
    Set<StartSignal> startSignals();

    /** Called once per prefill, before any decoder layer and any other hook. */
    void onStart(RequestStart start);
}
