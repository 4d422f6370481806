package org.transprune.model;

/** The two residual sub-layers of a decoder layer (docs/method.md#ttv). */
public enum SubLayer {
    /** Self-attention: before = input_layernorm output, after = o_proj output (no residual). */
    ATTENTION,
    /** SwiGLU MLP: before = post_attention_layernorm output, after = MLP output (no residual). */
    FFN
}
