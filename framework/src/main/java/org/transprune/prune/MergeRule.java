package org.transprune.prune;

/**
 * How the framework turns a {@link ProjectorDecision.MergedToken} into one image token
 * (docs/method.md#projector-stage).
 */
public enum MergeRule {
    /** The mean of the tower features of the anchor and every absorbed patch, then projected. */
    FEATURE_MEAN,
    /**
     * The anchor's tower feature plus the mean of the absorbed patches' features (the anchor alone when
     * it absorbs none), then projected: the contextual tokens of VisionZip's reference code.
     */
    FEATURE_ANCHOR_PLUS_MEAN,
    /** The mean of the projected tokens of the anchor and every absorbed patch. */
    PROJECTED_MEAN
}
