package org.transprune.checkpoint;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.IntBuffer;
import java.nio.ShortBuffer;

/**
 * Turns stored tensor bytes into fp32 NDArrays. bf16 is the upper half of an fp32 word, so it is
 * widened in Java by a 16-bit shift (DJL cannot create BFLOAT16 or INT16 arrays without killing the
 * JVM); fp16 is widened by libtorch. Both are exact. f32 data in a direct buffer (a memory-mapped
 * file) is wrapped without a copy.
 */
public final class Widening {
    private Widening() {}

    /**
     * Builds the fp32 array of one tensor in {@code manager}.
     *
     * @param bytes the tensor's little-endian bytes, exactly {@link TensorInfo#byteLength()} long
     */
    public static NDArray toFp32(TensorInfo info, ByteBuffer bytes, NDManager manager) {
        if (bytes.remaining() != info.byteLength()) {
            throw new CheckpointException(info.file() + ": tensor '" + info.name() + "' has " + bytes.remaining()
                    + " bytes, expected " + info.byteLength() + " for " + info.type() + " " + info.shapeString());
        }
        Shape shape = new Shape(info.shape());
        ByteBuffer le = bytes.slice().order(ByteOrder.LITTLE_ENDIAN);
        switch (info.type()) {
            case F32:
                return manager.create(direct(le), shape, DataType.FLOAT32);
            case F16: {
                try (NDArray half = manager.create(direct(le), shape, DataType.FLOAT16)) {
                    return half.toType(DataType.FLOAT32, true);
                }
            }
            case BF16:
                return manager.create(widenBf16(le), shape, DataType.FLOAT32);
            default:
                throw new CheckpointException(info.file() + ": tensor '" + info.name() + "' has dtype " + info.type()
                        + "; model weights must be F32, F16 or BF16");
        }
    }

    /** bf16 bytes to fp32 bytes in a new direct buffer: each value's 16 bits become the high half. */
    public static ByteBuffer widenBf16(ByteBuffer bf16) {
        ShortBuffer in = bf16.slice().order(ByteOrder.LITTLE_ENDIAN).asShortBuffer();
        int n = in.remaining();
        ByteBuffer out = ByteBuffer.allocateDirect(n * 4).order(ByteOrder.nativeOrder());
        IntBuffer ints = out.asIntBuffer();
        for (int i = 0; i < n; i++) {
            ints.put(i, (in.get(i) & 0xFFFF) << 16);
        }
        return out;
    }

    /** Direct buffers are shared with libtorch as they are; heap buffers are copied once. */
    private static ByteBuffer direct(ByteBuffer le) {
        if (le.isDirect()) {
            return le;
        }
        ByteBuffer copy = ByteBuffer.allocateDirect(le.remaining()).order(ByteOrder.nativeOrder());
        copy.put(le.duplicate());
        copy.flip();
        return copy;
    }
}
