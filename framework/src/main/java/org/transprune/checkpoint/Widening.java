package org.transprune.checkpoint;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.IntBuffer;
import java.nio.ShortBuffer;
import java.util.stream.IntStream;

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
                return bf16ToOwnedFp32(le, info, manager);
            default:
                throw new CheckpointException(info.file() + ": tensor '" + info.name() + "' has dtype " + info.type()
                        + "; model weights must be F32, F16 or BF16");
        }
    }

    /**
     * Like {@link #toFp32} but widens f16 and bf16 into {@code target}, a reused direct buffer of at
     * least {@code 4 x elements} bytes, so that widening a layer again and again neither allocates nor
     * page-faults fresh memory (a new 800 MB buffer per 7B layer is zeroed and faulted in each time,
     * and direct buffers are freed only when the garbage collector gets to them). The array shares
     * {@code target}'s memory: do not reuse {@code target} until the array is closed. f32 data is
     * wrapped as {@link #toFp32} does, without touching {@code target}.
     */
    public static NDArray toFp32Into(TensorInfo info, ByteBuffer bytes, ByteBuffer target, NDManager manager) {
        if (info.type() == TensorType.F32) {
            return toFp32(info, bytes, manager);
        }
        if (bytes.remaining() != info.byteLength()) {
            throw new CheckpointException(info.file() + ": tensor '" + info.name() + "' has " + bytes.remaining()
                    + " bytes, expected " + info.byteLength() + " for " + info.type() + " " + info.shapeString());
        }
        int n = Math.toIntExact(info.elements());
        if (!target.isDirect() || target.capacity() < 4L * n) {
            throw new IllegalArgumentException("target must be a direct buffer of at least " + 4L * n + " bytes");
        }
        ByteBuffer out = target.duplicate().clear().limit(4 * n).slice().order(ByteOrder.nativeOrder());
        ByteBuffer in = bytes.slice().order(ByteOrder.LITTLE_ENDIAN);
        switch (info.type()) {
            case BF16 -> parallelChunks(n, (from, to) -> widenBf16(in, out, from, to));
            case F16 -> parallelChunks(n, (from, to) -> widenF16(in, out, from, to));
            default ->
                throw new CheckpointException(info.file() + ": tensor '" + info.name() + "' has dtype " + info.type()
                        + "; model weights must be F32, F16 or BF16");
        }
        return manager.create(out, new Shape(info.shape()), DataType.FLOAT32);
    }

    /** Elements per parallel task: large enough that task overhead vanishes, small enough to balance. */
    private static final int PARALLEL_CHUNK = 1 << 22;

    private interface Range {
        void run(int from, int to);
    }

    /**
     * Runs {@code body} over {@code [0, n)} in chunks on the common pool: widening is a memory-bound
     * loop, and two threads nearly double it on this machine (bf16: 4.8 GB/s on one Java thread,
     * 9.1 GB/s on two, docs/djl-notes.md#widening).
     */
    private static void parallelChunks(int n, Range body) {
        int chunks = (n + PARALLEL_CHUNK - 1) / PARALLEL_CHUNK;
        if (chunks <= 1) {
            body.run(0, n);
            return;
        }
        IntStream.range(0, chunks)
                .parallel()
                .forEach(c -> body.run(c * PARALLEL_CHUNK, Math.min(n, (c + 1) * PARALLEL_CHUNK)));
    }

    private static void widenBf16(ByteBuffer in, ByteBuffer out, int from, int to) {
        for (int i = from; i < to; i++) {
            out.putInt(4 * i, (in.getShort(2 * i) & 0xFFFF) << 16);
        }
    }

    /** fp32 bits of every fp16 bit pattern (256 KiB, stays in cache): an exact table lookup per value. */
    private static final int[] F16_TO_F32_BITS = f16Table();

    private static int[] f16Table() {
        int[] t = new int[1 << 16];
        for (int h = 0; h < t.length; h++) {
            t[h] = Float.floatToRawIntBits(Narrowing.fromFloat16((short) h));
        }
        return t;
    }

    private static void widenF16(ByteBuffer in, ByteBuffer out, int from, int to) {
        int[] table = F16_TO_F32_BITS;
        for (int i = from; i < to; i++) {
            out.putInt(4 * i, table[in.getShort(2 * i) & 0xFFFF]);
        }
    }

    /** Elements widened at a time through the shared staging buffer (16 MB of fp32). */
    private static final int STAGING_ELEMENTS = 1 << 22;

    private static final ByteBuffer STAGING =
            ByteBuffer.allocateDirect(4 * STAGING_ELEMENTS).order(ByteOrder.nativeOrder());

    /**
     * bf16 to an fp32 array in libtorch's own memory, widened chunk by chunk through one small
     * staging buffer. An array created over a direct buffer keeps that buffer (and its share of
     * {@code -XX:MaxDirectMemorySize}, which defaults to -Xmx) alive as long as it lives: resident
     * weights made that way exhausted the 4 GB direct-memory limit on a 7B checkpoint before the
     * first decoder layer was done. Arrays in libtorch memory have no such limit and are freed on close.
     */
    private static NDArray bf16ToOwnedFp32(ByteBuffer le, TensorInfo info, NDManager manager) {
        int n = Math.toIntExact(info.elements());
        NDArray flat = manager.zeros(new Shape(n), DataType.FLOAT32);
        synchronized (STAGING) {
            for (int from = 0; from < n; from += STAGING_ELEMENTS) {
                int to = Math.min(n, from + STAGING_ELEMENTS);
                ByteBuffer out = STAGING.duplicate()
                        .clear()
                        .limit(4 * (to - from))
                        .slice()
                        .order(ByteOrder.nativeOrder());
                ByteBuffer in =
                        le.duplicate().position(2 * from).limit(2 * to).slice().order(ByteOrder.LITTLE_ENDIAN);
                widenBf16(in, out, 0, to - from);
                try (NDArray part = manager.create(out, new Shape(to - from), DataType.FLOAT32)) {
                    flat.set(new NDIndex(from + ":" + to), part);
                }
            }
        }
        return flat.reshape(new Shape(info.shape()));
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
