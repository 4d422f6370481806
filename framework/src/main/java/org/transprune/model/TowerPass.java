package org.transprune.model;

import ai.djl.ndarray.NDArray;

/**
 * One image through the vision tower with what a projector stage asked for; arrays live in the
 * manager the caller gave and are in the compute dtype (CLS attention always fp32).
 *
 * @param features the patch features at the feature layer {@code [N, visionHidden]} (CLS dropped)
 * @param clsFeature the CLS token's feature at the feature layer {@code [1, visionHidden]}
 * @param clsAttention CLS-to-patch attention of the last block run, head-averaged, {@code [N]}; null
 *     unless asked for
 * @param keys that block's head-averaged keys of the patches {@code [N, headDim]}; null unless asked for
 */
public record TowerPass(NDArray features, NDArray clsFeature, NDArray clsAttention, NDArray keys) {}
