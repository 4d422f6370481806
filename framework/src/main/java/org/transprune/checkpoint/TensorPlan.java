package org.transprune.checkpoint;

import java.util.Arrays;

/**
 * A tensor to be written: name, storage type and shape, without its values.
 *
 * @param name the stored name
 * @param type the element type on disk
 * @param shape dimensions, outermost first
 */
public record TensorPlan(String name, TensorType type, long[] shape) {
    public TensorPlan {
        shape = shape.clone();
    }

    /** Number of elements. */
    public long elements() {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /** Bytes of data on disk. */
    public long byteLength() {
        return elements() * type.bytes();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorPlan p && name.equals(p.name) && type == p.type && Arrays.equals(shape, p.shape);
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
        return name + " " + type + " " + Arrays.toString(shape);
    }
}
