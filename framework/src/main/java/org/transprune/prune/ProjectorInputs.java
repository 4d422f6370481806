package org.transprune.prune;

import ai.djl.ndarray.NDArray;
import org.transprune.model.ProjectorSignal;

/**
 * What a projector stage reads (see {@link ProjectorSignal} for each signal's exact definition); each
 * array is null unless the stage declared it, and valid only during {@link ProjectorStage#decide}.
 *
 * @param imageTokens N, the image tokens the projector produced
 * @param clsAttention the tower's head-averaged CLS-to-patch attention at the feature layer {@code [N]}
 * @param towerKeys the same block's head-averaged keys of the patches {@code [N, headDim]}
 * @param towerFeatures the patch features at the feature layer {@code [N, visionHidden]}
 * @param projected the projected image tokens {@code [N, hidden]}
 * @param instruction the decoder's input embeddings of the prompt tokens after the image block {@code [T, hidden]}
 */
public record ProjectorInputs(
        int imageTokens,
        NDArray clsAttention,
        NDArray towerKeys,
        NDArray towerFeatures,
        NDArray projected,
        NDArray instruction) {}
