package org.transprune.model;

import ai.djl.ndarray.NDArray;

/**
 * What a request looks like before its first decoder layer runs. Each part is null unless the
 * observer asked for it ({@link StartObserver#startSignals()}).
 *
 * @param promptIds the prompt's token ids, image placeholders included ({@link StartSignal#PROMPT_IDS})
 * @param imageEmbeddings the image tokens' input embeddings {@code [N, hidden]}, the projector's
 *     output that enters layer 1 in the image block; valid only during the call
 *     ({@link StartSignal#IMAGE_EMBEDDINGS}); null without an image
 * @param imageLayout each image token's view, row, column and origin ({@link StartSignal#IMAGE_LAYOUT}),
 *     LLaVA-NeXT's AnyRes tiles and newlines included; null without an image, or when the prompt's
 *     image block has no known origins (a caller that gave none for a multi-view block)
 * @param dimensions the model's sizes ({@link StartSignal#MODEL_DIMENSIONS})
 * @param layout the unpruned token layout (always present)
 */
public record RequestStart(
        int[] promptIds,
        NDArray imageEmbeddings,
        ImageLayout imageLayout,
        ModelDimensions dimensions,
        TokenLayout layout) {}
