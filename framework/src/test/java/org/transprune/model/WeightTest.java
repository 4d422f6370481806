package org.transprune.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.transprune.checkpoint.InMemoryTensorSource;
import org.transprune.checkpoint.Narrowing;
import org.transprune.checkpoint.TensorType;

/** Embedding rows and the chunked LM head read from half precision equal the fp32-resident path. */
class WeightTest {
    private static final int ROWS = 4096 * 2 + 3; // three chunks, the last one short
    private static final int COLS = 8;

    @Test
    void rowsAndChunkedProductsMatchWideningTheWholeMatrix() {
        for (TensorType type : new TensorType[] {TensorType.F16, TensorType.BF16}) {
            SplittableRandom r = new SplittableRandom(3);
            ByteBuffer b = ByteBuffer.allocateDirect(ROWS * COLS * 2).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < ROWS * COLS; i++) {
                float v = (float) r.nextGaussian();
                b.putShort(type == TensorType.F16 ? Narrowing.toFloat16(v) : Narrowing.toBfloat16(v));
            }
            b.flip();
            InMemoryTensorSource src = new InMemoryTensorSource("test").put("m", type, b, ROWS, COLS);
            Weight stored = new Weight.Stored(src, "m", ROWS, COLS);
            try (NDManager m = NDManager.newBaseManager()) {
                NDArray full = src.fp32("m", m);
                int[] ids = {0, 4095, 4096, ROWS - 1, 17};
                assertArrayEquals(
                        full.get(m.create(new long[] {0, 4095, 4096, ROWS - 1, 17}))
                                .toFloatArray(),
                        stored.rows(ids, m).toFloatArray(),
                        0f,
                        type + " rows");
                float[] x = new float[2 * COLS];
                for (int i = 0; i < x.length; i++) {
                    x[i] = (float) r.nextGaussian();
                }
                NDArray xs = m.create(x, new Shape(2, COLS));
                assertArrayEquals(
                        xs.matMul(full.transpose()).toFloatArray(),
                        stored.multiply(xs).toFloatArray(),
                        0f,
                        type + " product");
            }
        }
    }

    /** Both forms of a weight give the same floats for every operation the decoder uses. */
    @Test
    void residentAndStoredFormsAgreeBitForBit() {
        int rows = 24;
        int cols = 16;
        for (TensorType type : new TensorType[] {TensorType.F32, TensorType.F16, TensorType.BF16}) {
            SplittableRandom r = new SplittableRandom(5);
            ByteBuffer b = ByteBuffer.allocateDirect(rows * cols * type.bytes()).order(ByteOrder.LITTLE_ENDIAN);
            ByteBuffer g = ByteBuffer.allocateDirect(cols * type.bytes()).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < rows * cols + cols; i++) {
                float v = (float) r.nextGaussian();
                ByteBuffer into = i < rows * cols ? b : g;
                switch (type) {
                    case F16 -> into.putShort(Narrowing.toFloat16(v));
                    case BF16 -> into.putShort(Narrowing.toBfloat16(v));
                    default -> into.putFloat(v);
                }
            }
            b.flip();
            g.flip();
            InMemoryTensorSource src = new InMemoryTensorSource("test")
                    .put("w", type, b, rows, cols)
                    .put("g", type, g, cols);
            try (NDManager m = NDManager.newBaseManager()) {
                Weight stored = new Weight.Stored(src, "w", rows, cols);
                Weight resident = new Weight.Resident(src.fp32("w", m));
                Weight storedGain = new Weight.Stored(src, "g", cols);
                Weight residentGain = new Weight.Resident(src.fp32("g", m));
                Weight widened = stored.widen(m, null);
                Weight pooled = stored.widen(
                        m,
                        stored.wideningBytes() == 0
                                ? null
                                : ByteBuffer.allocateDirect((int) stored.wideningBytes())
                                        .order(ByteOrder.nativeOrder()));
                float[] x = new float[3 * cols];
                for (int i = 0; i < x.length; i++) {
                    x[i] = (float) r.nextGaussian();
                }
                NDArray xs = m.create(x, new Shape(3, cols));
                int[] ids = {0, 7, rows - 1};
                float[] expectRows = resident.rows(ids, m).toFloatArray();
                float[] expectProduct = resident.multiply(xs).toFloatArray();
                float[] expectScaled = residentGain.scale(xs).toFloatArray();
                for (Weight w : new Weight[] {stored, widened, pooled}) {
                    assertArrayEquals(expectRows, w.rows(ids, m).toFloatArray(), 0f, type + " rows");
                    assertArrayEquals(expectProduct, w.multiply(xs).toFloatArray(), 0f, type + " product");
                }
                assertArrayEquals(expectScaled, storedGain.scale(xs).toFloatArray(), 0f, type + " scale");
                assertEquals(type == TensorType.F32 ? 0 : 4L * rows * cols, stored.wideningBytes(), type + " buffer");
                assertEquals(0, resident.wideningBytes());
                assertSame(resident, resident.widen(m, null), "a resident weight is used as it is");
            }
        }
    }
}
