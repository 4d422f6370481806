package org.transprune.checkpoint;

import java.nio.file.Path;
import java.util.Arrays;

/**
 * Where one stored tensor lives.
 *
 * @param name the name under which the source exposes it
 * @param type element type on disk
 * @param shape dimensions, outermost first
 * @param file the file holding its bytes
 * @param offset absolute byte offset of the data in {@code file}
 */
public record TensorInfo(String name, TensorType type, long[] shape, Path file, long offset) {

    /** Number of elements. */
    public long elements() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    /** Bytes of data. */
    public long byteLength() {
        return elements() * type.bytes();
    }

    public String shapeString() {
        return Arrays.toString(shape);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorInfo t
                && name.equals(t.name)
                && type == t.type
                && Arrays.equals(shape, t.shape)
                && file.equals(t.file)
                && offset == t.offset;
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(shape);
    }
}
