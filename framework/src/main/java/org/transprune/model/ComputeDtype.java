package org.transprune.model;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import java.util.Locale;

/**
 * The precision the forward pass computes in: {@code fp32}, {@code fp16} (decoder, tower and projector
 * in fp16, with softmax, RMSNorm variance and TTV norms and cosines in fp32), or {@code auto} (fp16 on a
 * GPU, fp32 on a CPU). bf16 is refused: DJL 0.36's PyTorch engine cannot hold bfloat16 arrays.
 */
public enum ComputeDtype {
    FP32,
    FP16,
    AUTO;

    /** The message for bf16, which DJL cannot hold (see docs/gpu.md). */
    public static final String BF16_REFUSED = "bf16 compute is not supported: DJL 0.36's PyTorch engine cannot"
            + " hold bfloat16 arrays (converting one ends the JVM); use fp16 (bf16 checkpoints are converted to"
            + " fp16 once at load) or fp32";

    /** {@code fp32}, {@code fp16} (or {@code half}) or {@code auto}, in any case; bf16 is refused. */
    public static ComputeDtype parse(String s) {
        String v = s.trim().toLowerCase(Locale.ROOT);
        return switch (v) {
            case "fp32", "float32" -> FP32;
            case "fp16", "float16", "half" -> FP16;
            case "auto" -> AUTO;
            case "bf16", "bfloat16" -> throw new IllegalArgumentException(BF16_REFUSED);
            default -> throw new IllegalArgumentException("unknown dtype '" + s + "' (expected fp32, fp16 or auto)");
        };
    }

    /** FP32 or FP16 for {@code device}: AUTO is fp16 on a GPU and fp32 on a CPU. */
    public ComputeDtype resolve(Device device) {
        if (this != AUTO) {
            return this;
        }
        return device.isGpu() ? FP16 : FP32;
    }

    /** Why {@link #resolve} chose what it chose, in one phrase. */
    public String reason(Device device) {
        if (this != AUTO) {
            return this + " as requested";
        }
        return device.isGpu()
                ? "auto: fp16 on a GPU (tensor-core matmul, half the weight memory; the paper measured in fp16)"
                : "auto: fp32 on a CPU (libtorch's CPU fp16 matmul is many times slower than fp32)";
    }

    /** The NDArray type of a resolved dtype. */
    public DataType dataType() {
        return switch (this) {
            case FP32 -> DataType.FLOAT32;
            case FP16 -> DataType.FLOAT16;
            case AUTO -> throw new IllegalStateException("resolve AUTO first");
        };
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
