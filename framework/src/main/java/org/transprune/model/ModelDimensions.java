package org.transprune.model;

/**
 * The sizes of the model a request runs on.
 *
 * @param hiddenSize width of the residual stream (and of the image tokens' embeddings)
 * @param layers decoder layers
 * @param heads attention (query) heads per layer
 * @param keyValueHeads key/value heads per layer (fewer than {@code heads} with grouped-query attention)
 * @param headDim width of one head
 * @param intermediateSize width of the MLP's hidden layer
 * @param vocabSize vocabulary size
 */
public record ModelDimensions(
        int hiddenSize, int layers, int heads, int keyValueHeads, int headDim, int intermediateSize, int vocabSize) {}
