package org.transprune.checkpoint;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Checkpoint tensors to fp16 NDArrays in libtorch's own memory, for fp16 compute: F16 tensors are
 * copied as they are (no widening), F32 and BF16 ones are rounded to fp16 in Java, once, at load
 * ({@link Narrowing#toFloat16}, as PyTorch's {@code .half()}). BF16 never reaches libtorch: DJL 0.36
 * cannot hold bfloat16 arrays. Finite values beyond fp16's range (±65504) become ±infinity and are counted.
 */
public final class Halving {
    /** Elements rounded at a time through the shared staging buffer (8 MB of fp16). */
    private static final int STAGING_ELEMENTS = 1 << 22;

    private static final ByteBuffer STAGING =
            ByteBuffer.allocateDirect(2 * STAGING_ELEMENTS).order(ByteOrder.nativeOrder());

    private Halving() {}

    /**
     * The fp16 array of one tensor in {@code manager}.
     *
     * @param overflows incremented by the number of finite values that became infinite
     */
    public static NDArray toFp16(TensorInfo info, ByteBuffer bytes, NDManager manager, AtomicLong overflows) {
        if (bytes.remaining() != info.byteLength()) {
            throw new CheckpointException(info.file() + ": tensor '" + info.name() + "' has " + bytes.remaining()
                    + " bytes, expected " + info.byteLength() + " for " + info.type() + " " + info.shapeString());
        }
        Shape shape = new Shape(info.shape());
        ByteBuffer le = bytes.slice().order(ByteOrder.LITTLE_ENDIAN);
        int n = Math.toIntExact(info.elements());
        if (info.type() == TensorType.F16) {
            ByteBuffer direct = le;
            if (!le.isDirect()) {
                direct = ByteBuffer.allocateDirect(le.remaining()).order(ByteOrder.nativeOrder());
                direct.put(le.duplicate()).flip();
            }
            // Shares the (mapped) buffer, then copies into libtorch memory so the mapping is not pinned.
            try (NDArray shared = manager.create(direct, shape, DataType.FLOAT16)) {
                return shared.duplicate();
            }
        }
        if (info.type() != TensorType.F32 && info.type() != TensorType.BF16) {
            throw new CheckpointException(info.file() + ": tensor '" + info.name() + "' has dtype " + info.type()
                    + "; model weights must be F32, F16 or BF16");
        }
        boolean bf16 = info.type() == TensorType.BF16;
        NDArray flat = manager.zeros(new Shape(n), DataType.FLOAT16);
        long over = 0;
        synchronized (STAGING) {
            for (int from = 0; from < n; from += STAGING_ELEMENTS) {
                int to = Math.min(n, from + STAGING_ELEMENTS);
                ByteBuffer out = STAGING.duplicate()
                        .clear()
                        .limit(2 * (to - from))
                        .slice()
                        .order(ByteOrder.nativeOrder());
                for (int i = from; i < to; i++) {
                    float f = bf16 ? Float.intBitsToFloat((le.getShort(2 * i) & 0xFFFF) << 16) : le.getFloat(4 * i);
                    short h = Narrowing.toFloat16(f);
                    if ((h & 0x7FFF) == 0x7C00 && !Float.isInfinite(f)) {
                        over++;
                    }
                    out.putShort(2 * (i - from), h);
                }
                try (NDArray part = manager.create(out, new Shape(to - from), DataType.FLOAT16)) {
                    flat.set(new NDIndex(from + ":" + to), part);
                }
            }
        }
        overflows.addAndGet(over);
        return flat.reshape(shape);
    }
}
