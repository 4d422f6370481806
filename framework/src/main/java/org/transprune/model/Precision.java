package org.transprune.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/**
 * The casts of mixed-precision compute: under fp16 the numerically sensitive steps (softmax, RMSNorm
 * variance, LayerNorm, TTV norms and cosines) run in fp32 and their results go back to fp16, as the
 * reference implementation does. Under fp32 every cast is the identity and returns its argument.
 */
public final class Precision {
    private Precision() {}

    /** {@code x} as {@code type}: {@code x} itself when it already is. */
    public static NDArray to(NDArray x, DataType type) {
        return x.getDataType() == type ? x : x.toType(type, false);
    }

    /** {@code x} in fp32: {@code x} itself when it already is. */
    public static NDArray fp32(NDArray x) {
        return to(x, DataType.FLOAT32);
    }

    /** Whether {@code x} is a reduced-precision (fp16) array. */
    public static boolean reduced(NDArray x) {
        return x.getDataType() != DataType.FLOAT32;
    }
}
