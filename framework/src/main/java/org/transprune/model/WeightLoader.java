package org.transprune.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import org.transprune.checkpoint.CheckpointException;
import org.transprune.checkpoint.Halving;
import org.transprune.checkpoint.TensorInfo;
import org.transprune.checkpoint.TensorSource;

/**
 * Reads resident weights in the compute dtype onto the model's manager: fp32 (widened exactly) or
 * fp16 (F16 tensors as they are, F32 and BF16 rounded once, overflows counted).
 */
final class WeightLoader {
    private final TensorSource source;
    private final NDManager manager;
    private final ComputeDtype dtype;
    private final AtomicLong overflows = new AtomicLong();

    WeightLoader(TensorSource source, NDManager manager, ComputeDtype dtype) {
        if (dtype == ComputeDtype.AUTO) {
            throw new IllegalArgumentException("resolve the compute dtype before loading");
        }
        this.source = source;
        this.manager = manager;
        this.dtype = dtype;
    }

    TensorSource source() {
        return source;
    }

    NDManager manager() {
        return manager;
    }

    ComputeDtype dtype() {
        return dtype;
    }

    /**
     * Tensor {@code name} in the compute dtype.
     *
     * @throws CheckpointException when its shape is not {@code shape}
     */
    NDArray load(String name, long... shape) {
        if (dtype == ComputeDtype.FP32) {
            return source.fp32(name, manager, shape);
        }
        TensorInfo info = source.info(name);
        if (!Arrays.equals(info.shape(), shape)) {
            throw new CheckpointException(source.describe() + ": tensor '" + name + "' has shape " + info.shapeString()
                    + ", expected " + Arrays.toString(shape));
        }
        return Halving.toFp16(info, source.bytes(name), manager, overflows);
    }

    /** Finite values that became infinite when rounded to fp16 so far. */
    long overflows() {
        return overflows.get();
    }
}
