package org.transprune.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import org.transprune.checkpoint.CheckpointException;
import org.transprune.checkpoint.Narrowing;
import org.transprune.checkpoint.TensorInfo;
import org.transprune.checkpoint.TensorSource;
import org.transprune.checkpoint.TensorType;
import org.transprune.checkpoint.Widening;

/**
 * One weight tensor of the decoder as the forward pass uses it, in one of two forms: {@link Resident}
 * (in memory in the compute dtype: fp32, or fp16 under fp16 compute) or {@link Stored} (the checkpoint's own bytes, memory-mapped, widened to fp32 when
 * used). The forward pass multiplies, looks up rows and scales through this type and never asks which
 * form it has, as llama3.java's {@code FloatTensor} does for its quantised types. Widening is exact,
 * so both forms give bit-identical results.
 */
abstract sealed class Weight permits Weight.Resident, Weight.Stored {

    /** {@code x [n, in]} times this {@code [out, in]} matrix transposed: {@code [n, out]}. */
    abstract NDArray multiply(NDArray x);

    /** Rows {@code ids} of this {@code [rows, cols]} matrix as fp32 {@code [ids.length, cols]} in {@code manager}. */
    abstract NDArray rows(int[] ids, NDManager manager);

    /** {@code x} times this vector, element-wise along the last dimension (a norm's gain). */
    abstract NDArray scale(NDArray x);

    /** {@code x} plus this vector along the last dimension (a projection's bias). */
    abstract NDArray plus(NDArray x);

    /**
     * This weight in fp32 for use in {@code scope}: a resident weight is returned as it is; a stored one
     * is widened into {@code buffer} (a reused direct buffer of {@link #wideningBytes()}) or, when that is
     * null, into fresh memory of {@code scope}.
     */
    abstract Resident widen(NDManager scope, ByteBuffer buffer);

    /** Bytes of fp32 buffer {@link #widen} writes into: 0 when nothing is widened (fp32 in memory or on disk). */
    abstract long wideningBytes();

    /**
     * A weight held in the compute dtype (fp32, or fp16 under fp16 compute); 2-D ones also keep their
     * transposed view so products need no per-call transpose.
     */
    static final class Resident extends Weight {
        private final NDArray values;
        private final NDArray transposed; // [in, out] view, or null for vectors

        Resident(NDArray values) {
            this.values = values;
            this.transposed = values.getShape().dimension() == 2 ? values.transpose() : null;
        }

        /** The values, in the compute dtype. */
        NDArray values() {
            return values;
        }

        @Override
        NDArray multiply(NDArray x) {
            return x.matMul(transposed);
        }

        @Override
        NDArray rows(int[] ids, NDManager manager) {
            NDArray e = values.get(Upload.longs(manager, ids));
            e.attach(manager);
            return e;
        }

        @Override
        NDArray scale(NDArray x) {
            return x.mul(values);
        }

        @Override
        NDArray plus(NDArray x) {
            return x.add(values);
        }

        @Override
        Resident widen(NDManager scope, ByteBuffer buffer) {
            return this;
        }

        @Override
        long wideningBytes() {
            return 0;
        }
    }

    /**
     * A weight left in the checkpoint (F32, F16 or BF16, memory-mapped). Rows are widened one by one
     * (an embedding lookup touches only the rows it needs) and products are computed in chunks of
     * {@value #CHUNK_ROWS} rows, so a 7B LM head never takes 0.5 GB of fp32 at once.
     */
    static final class Stored extends Weight {
        /** Rows per product chunk: 4096 x 4096 fp32 = 64 MiB through the staging buffer. */
        static final int CHUNK_ROWS = 4096;

        private final TensorSource source;
        private final TensorInfo info;
        private final ByteBuffer bytes;

        /**
         * @throws CheckpointException when the tensor's shape is not {@code shape} or it is not a float type
         */
        Stored(TensorSource source, String name, long... shape) {
            this.source = source;
            this.info = source.info(name);
            if (!Arrays.equals(info.shape(), shape)) {
                throw new CheckpointException(source.describe() + ": tensor '" + name + "' has shape "
                        + info.shapeString() + ", expected " + Arrays.toString(shape));
            }
            if (info.type() != TensorType.F32 && info.type() != TensorType.F16 && info.type() != TensorType.BF16) {
                throw new CheckpointException(source.describe() + ": tensor '" + name + "' has dtype " + info.type()
                        + "; model weights must be F32, F16 or BF16");
            }
            this.bytes = source.bytes(name).order(ByteOrder.LITTLE_ENDIAN);
        }

        @Override
        NDArray multiply(NDArray x) {
            NDManager manager = x.getManager();
            int rows = (int) info.shape()[0];
            int cols = (int) info.shape()[1];
            NDArray[] parts = new NDArray[(rows + CHUNK_ROWS - 1) / CHUNK_ROWS];
            for (int c = 0; c < parts.length; c++) {
                int from = c * CHUNK_ROWS;
                int to = Math.min(rows, from + CHUNK_ROWS);
                float[] chunk = new float[(to - from) * cols];
                for (int r = from; r < to; r++) {
                    widenRow(r, cols, chunk, (r - from) * cols);
                }
                try (NDManager scope = manager.newSubManager()) {
                    NDArray w = Upload.floats(scope, chunk, new Shape(to - from, cols));
                    parts[c] = x.matMul(w.transpose());
                    parts[c].attach(manager);
                }
            }
            return parts.length == 1 ? parts[0] : Functional.concat(-1, parts);
        }

        @Override
        NDArray rows(int[] ids, NDManager manager) {
            int cols = (int) info.shape()[1];
            float[] out = new float[ids.length * cols];
            for (int i = 0; i < ids.length; i++) {
                widenRow(ids[i], cols, out, i * cols);
            }
            return Upload.floats(manager, out, new Shape(ids.length, cols));
        }

        @Override
        NDArray scale(NDArray x) {
            return x.mul(Widening.toFp32(info, source.bytes(info.name()), x.getManager()));
        }

        @Override
        NDArray plus(NDArray x) {
            return x.add(Widening.toFp32(info, source.bytes(info.name()), x.getManager()));
        }

        @Override
        Resident widen(NDManager scope, ByteBuffer buffer) {
            NDArray values = buffer == null || info.type() == TensorType.F32
                    ? Widening.toFp32(info, source.bytes(info.name()), scope)
                    : Widening.toFp32Into(info, source.bytes(info.name()), buffer, scope);
            return new Resident(values);
        }

        @Override
        long wideningBytes() {
            return info.type() == TensorType.F32 ? 0 : 4 * info.elements();
        }

        private void widenRow(int row, int cols, float[] out, int offset) {
            int base = row * cols;
            switch (info.type()) {
                case F32 -> {
                    for (int j = 0; j < cols; j++) {
                        out[offset + j] = bytes.getFloat((base + j) * 4);
                    }
                }
                case F16 -> {
                    for (int j = 0; j < cols; j++) {
                        out[offset + j] = Narrowing.fromFloat16(bytes.getShort((base + j) * 2));
                    }
                }
                default -> { // BF16: the stored bits are the upper half of the fp32 word
                    for (int j = 0; j < cols; j++) {
                        out[offset + j] = Float.intBitsToFloat((bytes.getShort((base + j) * 2) & 0xFFFF) << 16);
                    }
                }
            }
        }
    }
}
