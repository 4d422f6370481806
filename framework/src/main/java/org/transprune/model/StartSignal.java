package org.transprune.model;

/** A part of {@link RequestStart} an observer may ask for; parts not asked for are not computed. */
public enum StartSignal {
    PROMPT_IDS,
    IMAGE_EMBEDDINGS,
    IMAGE_LAYOUT,
    MODEL_DIMENSIONS
}
