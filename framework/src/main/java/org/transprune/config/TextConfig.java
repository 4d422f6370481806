package org.transprune.config;

/**
 * Shape of a LLaMA-family decoder (the language model of a LLaVA checkpoint).
 *
 * @param hiddenSize d, the residual width
 * @param intermediateSize m, the SwiGLU width
 * @param numLayers decoder depth
 * @param numHeads query heads
 * @param numKeyValueHeads key/value heads (grouped-query attention when fewer than {@code numHeads})
 * @param vocabSize rows of the embedding and of the LM head
 * @param rmsNormEps epsilon inside RMSNorm
 * @param ropeTheta RoPE base frequency
 * @param maxPositionEmbeddings the longest sequence the model accepts
 * @param tieWordEmbeddings the LM head reuses the embedding matrix
 */
public record TextConfig(
        int hiddenSize,
        int intermediateSize,
        int numLayers,
        int numHeads,
        int numKeyValueHeads,
        int vocabSize,
        double rmsNormEps,
        double ropeTheta,
        int maxPositionEmbeddings,
        boolean tieWordEmbeddings) {

    public TextConfig {
        require(hiddenSize > 0 && intermediateSize > 0 && numLayers > 0 && vocabSize > 0, "sizes must be positive");
        require(
                numHeads > 0 && hiddenSize % numHeads == 0,
                "hidden_size " + hiddenSize + " is not divisible by num_attention_heads " + numHeads);
        require(
                numKeyValueHeads > 0 && numHeads % numKeyValueHeads == 0,
                "num_attention_heads " + numHeads + " is not a multiple of num_key_value_heads " + numKeyValueHeads);
        require((hiddenSize / numHeads) % 2 == 0, "head_dim must be even for RoPE");
    }

    public int headDim() {
        return hiddenSize / numHeads;
    }

    static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }
}
