package org.transprune.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

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
}
