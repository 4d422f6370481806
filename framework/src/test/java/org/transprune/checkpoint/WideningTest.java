package org.transprune.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class WideningTest {
    /** Every 16-bit pattern once, little-endian, and a few times over so the parallel chunks are exercised. */
    private static ByteBuffer allPatterns(int repeats) {
        ByteBuffer b = ByteBuffer.allocateDirect(2 * 65536 * repeats).order(ByteOrder.LITTLE_ENDIAN);
        for (int r = 0; r < repeats; r++) {
            for (int h = 0; h < 65536; h++) {
                b.putShort((short) (h * 31 + r)); // a permutation of all patterns per repeat
            }
        }
        return b.flip();
    }

    private static TensorInfo info(TensorType type, int n) {
        return new TensorInfo("t", type, new long[] {n}, Path.of("x.safetensors"), 0);
    }

    @Test
    void fp16IntoAReusedBufferMatchesLibtorchsConversionBitForBit() {
        int repeats = 80; // 5.2 M values: more than one parallel chunk
        int n = 65536 * repeats;
        ByteBuffer half = allPatterns(repeats);
        ByteBuffer target = ByteBuffer.allocateDirect(4 * n);
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray ours = Widening.toFp32Into(info(TensorType.F16, n), half, target, m);
            NDArray torch =
                    m.create(half.duplicate(), new Shape(n), DataType.FLOAT16).toType(DataType.FLOAT32, true);
            int[] a = bits(ours.toFloatArray());
            int[] b = bits(torch.toFloatArray());
            for (int i = 0; i < n; i++) {
                float x = Float.intBitsToFloat(a[i]);
                if (Float.isNaN(x)) {
                    assertEquals(true, Float.isNaN(Float.intBitsToFloat(b[i])), "NaN at " + i);
                } else {
                    assertEquals(b[i], a[i], "value " + i);
                }
            }
        }
    }

    @Test
    void bf16IntoAReusedBufferMatchesTheFreshWideningAndOverwritesOldContents() {
        int repeats = 80;
        int n = 65536 * repeats;
        ByteBuffer half = allPatterns(repeats);
        ByteBuffer target = ByteBuffer.allocateDirect(4 * n + 64);
        for (int i = 0; i < target.capacity(); i++) {
            target.put(i, (byte) 0x5A); // stale data from a previous layer must not survive
        }
        try (NDManager m = NDManager.newBaseManager()) {
            int[] into = bits(Widening.toFp32Into(info(TensorType.BF16, n), half, target, m)
                    .toFloatArray());
            int[] fresh =
                    bits(Widening.toFp32(info(TensorType.BF16, n), half, m).toFloatArray());
            assertArrayEquals(fresh, into);
            assertEquals(0x3F800000, into[indexOf(half, (short) 0x3F80)]);
        }
    }

    private static int indexOf(ByteBuffer b, short v) {
        for (int i = 0; i < b.remaining() / 2; i++) {
            if (b.getShort(2 * i) == v) {
                return i;
            }
        }
        throw new AssertionError();
    }

    private static int[] bits(float[] f) {
        int[] out = new int[f.length];
        for (int i = 0; i < f.length; i++) {
            out[i] = Float.floatToRawIntBits(f[i]);
        }
        return out;
    }
}
