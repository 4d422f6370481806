package org.transprune.model;

/** Decides, between decoder layers, which image tokens survive (docs/method.md#decoder-loop). */
public interface PruneDecider {

    /**
     * Called after decoder layer {@code afterLayer} (1-based; 0 means before the first layer) has
     * run, with the observations of that layer already delivered.
     *
     * @return indices into the current image block to keep, strictly increasing, or {@code null}
     *     to keep everything without a pruning step
     */
    int[] keep(int afterLayer, TokenLayout layout);
}
