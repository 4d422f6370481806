package org.transprune.checkpoint;

import java.util.Locale;

/** Element types of safetensors tensors that the engine reads; others are rejected by name. */
public enum TensorType {
    F32(4),
    F16(2),
    BF16(2),
    I64(8),
    I32(4);

    private final int bytes;

    TensorType(int bytes) {
        this.bytes = bytes;
    }

    /** Bytes per element. */
    public int bytes() {
        return bytes;
    }

    /** The safetensors header spelling ({@code F32}, {@code BF16}, ...). */
    public String safetensorsName() {
        return name();
    }

    /**
     * Parses a safetensors dtype string.
     *
     * @throws IllegalArgumentException naming the dtype and the supported ones
     */
    public static TensorType fromSafetensors(String dtype) {
        try {
            return valueOf(dtype.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "unsupported dtype '" + dtype + "' (supported: F32, F16, BF16, I64, I32)");
        }
    }
}
