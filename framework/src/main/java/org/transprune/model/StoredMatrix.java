package org.transprune.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.transprune.checkpoint.CheckpointException;
import org.transprune.checkpoint.Narrowing;
import org.transprune.checkpoint.TensorInfo;
import org.transprune.checkpoint.TensorSource;

/**
 * A {@code [rows, cols]} matrix left in its stored precision (memory-mapped), read row by row.
 * Under half-resident weights the token embeddings and the LM head stay here instead of taking
 * 2 x 0.5 GB of fp32 at 7B: an embedding lookup widens only the rows it needs, and the LM head is
 * applied in chunks of rows. Widening is exact, so results equal the fp32-resident path bit for bit.
 */
final class StoredMatrix {
    /** Rows per LM-head chunk: 4096 x 4096 fp32 = 64 MiB through the staging buffer. */
    private static final int CHUNK_ROWS = 4096;

    private final TensorInfo info;
    private final ByteBuffer bytes;
    private final int rows;
    private final int cols;

    StoredMatrix(TensorSource source, String name, int rows, int cols) {
        this.info = source.info(name);
        if (info.shape().length != 2 || info.shape()[0] != rows || info.shape()[1] != cols) {
            throw new CheckpointException(source.describe() + ": tensor '" + name + "' has shape " + info.shapeString()
                    + ", expected [" + rows + ", " + cols + "]");
        }
        switch (info.type()) {
            case F32:
            case F16:
            case BF16:
                break;
            default:
                throw new CheckpointException(source.describe() + ": tensor '" + name + "' has dtype " + info.type()
                        + "; model weights must be F32, F16 or BF16");
        }
        this.bytes = source.bytes(name).order(ByteOrder.LITTLE_ENDIAN);
        this.rows = rows;
        this.cols = cols;
    }

    /** The given rows, widened to fp32, as {@code [ids.length, cols]} in {@code manager}. */
    NDArray rows(int[] ids, NDManager manager) {
        float[] out = new float[ids.length * cols];
        for (int i = 0; i < ids.length; i++) {
            widenRow(ids[i], out, i * cols);
        }
        return Upload.floats(manager, out, new Shape(ids.length, cols));
    }

    /** {@code x [n, cols]} times this matrix transposed: {@code [n, rows]}, computed chunk by chunk. */
    NDArray multiplyTransposed(NDArray x, NDManager manager) {
        NDArray[] parts = new NDArray[(rows + CHUNK_ROWS - 1) / CHUNK_ROWS];
        for (int c = 0; c < parts.length; c++) {
            int from = c * CHUNK_ROWS;
            int to = Math.min(rows, from + CHUNK_ROWS);
            float[] chunk = new float[(to - from) * cols];
            for (int r = from; r < to; r++) {
                widenRow(r, chunk, (r - from) * cols);
            }
            try (NDManager scope = manager.newSubManager()) {
                NDArray w = Upload.floats(scope, chunk, new Shape(to - from, cols));
                parts[c] = x.matMul(w.transpose());
                parts[c].attach(manager);
            }
        }
        return parts.length == 1 ? parts[0] : Functional.concat(-1, parts);
    }

    private void widenRow(int row, float[] out, int offset) {
        int base = row * cols;
        switch (info.type()) {
            case F32:
                for (int j = 0; j < cols; j++) {
                    out[offset + j] = bytes.getFloat((base + j) * 4);
                }
                break;
            case F16:
                for (int j = 0; j < cols; j++) {
                    out[offset + j] = Narrowing.fromFloat16(bytes.getShort((base + j) * 2));
                }
                break;
            default: // BF16: the stored bits are the upper half of the fp32 word
                for (int j = 0; j < cols; j++) {
                    out[offset + j] = Float.intBitsToFloat((bytes.getShort((base + j) * 2) & 0xFFFF) << 16);
                }
                break;
        }
    }
}
