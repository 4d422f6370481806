package org.transprune.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.LongBuffer;

/**
 * The one place the engine creates arrays (besides the checkpoint loaders, which fill the model's own
 * manager): every array is created in a manager derived from the model's, so it lives on the model's
 * device; DeviceCleanlinessTest holds the engine, the hooks and the strategies to this.
 *
 * <p>Copies Java arrays into NDArrays whose memory libtorch owns. {@code manager.create(float[])}
 * allocates a fresh direct buffer per call that only the garbage collector frees, so per-request
 * uploads (pixels, masks, index lists) pile up as native garbage between collections. Here the
 * data goes through one reusable staging buffer per thread and is then cloned natively, so
 * closing the array frees its memory at once.
 */
final class Upload {
    private static final ThreadLocal<ByteBuffer> STAGING = new ThreadLocal<>();

    private Upload() {}

    static NDArray floats(NDManager manager, float[] values, Shape shape) {
        ByteBuffer b = staging(values.length * 4L);
        b.asFloatBuffer().put(values);
        return owned(manager, b, values.length * 4, shape, DataType.FLOAT32);
    }

    static NDArray longs(NDManager manager, int[] values) {
        ByteBuffer b = staging(values.length * 8L);
        LongBuffer lb = b.asLongBuffer();
        for (int v : values) {
            lb.put(v);
        }
        return owned(manager, b, values.length * 8, new Shape(values.length), DataType.INT64);
    }

    /** Zeros of {@code type} in {@code manager}, on its device. */
    static NDArray zeros(NDManager manager, Shape shape, DataType type) {
        return manager.zeros(shape, type, manager.getDevice());
    }

    private static NDArray owned(NDManager manager, ByteBuffer b, int bytes, Shape shape, DataType type) {
        ByteBuffer view = b.duplicate();
        view.limit(bytes);
        try (NDArray shared = manager.create(view.slice().order(ByteOrder.nativeOrder()), shape, type)) {
            return shared.duplicate();
        }
    }

    private static ByteBuffer staging(long bytes) {
        ByteBuffer b = STAGING.get();
        if (b == null || b.capacity() < bytes) {
            long size = Math.max(bytes, b == null ? 1 << 16 : 2L * b.capacity());
            b = ByteBuffer.allocateDirect(Math.toIntExact(Math.min(size, Integer.MAX_VALUE - 8)))
                    .order(ByteOrder.nativeOrder());
            STAGING.set(b);
        }
        b.clear();
        return b;
    }
}
