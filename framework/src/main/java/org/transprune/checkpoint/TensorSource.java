package org.transprune.checkpoint;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.io.Closeable;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Set;

/**
 * Named tensors of a checkpoint, read lazily. Implementations memory-map their files, so large
 * checkpoints are never copied onto the Java heap.
 */
public interface TensorSource extends Closeable {

    /** Every tensor name this source exposes. */
    Set<String> names();

    /** True when {@code name} exists. */
    default boolean contains(String name) {
        return names().contains(name);
    }

    /**
     * Describes a tensor.
     *
     * @throws MissingTensorException naming the tensor and the checkpoint
     */
    TensorInfo info(String name);

    /**
     * The tensor's raw little-endian bytes as a read-only view (no copy for memory-mapped files).
     * Valid until the source is closed.
     */
    ByteBuffer bytes(String name);

    /** A human-readable description of where the tensors come from, used in error messages. */
    String describe();

    /**
     * The tensor as an fp32 NDArray in {@code manager}; f16 and bf16 are widened exactly.
     *
     * @throws MissingTensorException when absent
     */
    default NDArray fp32(String name, NDManager manager) {
        return Widening.toFp32(info(name), bytes(name), manager);
    }

    /**
     * Like {@link #fp32(String, NDManager)} and checks the shape first.
     *
     * @throws CheckpointException naming the tensor, the expected and the found shape
     */
    default NDArray fp32(String name, NDManager manager, long... expectedShape) {
        TensorInfo info = info(name);
        if (!Arrays.equals(info.shape(), expectedShape)) {
            throw new CheckpointException(describe() + ": tensor '" + name + "' has shape " + info.shapeString()
                    + ", expected " + Arrays.toString(expectedShape));
        }
        return fp32(name, manager);
    }
}
