package org.transprune.image;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * A preprocessed image: {@code pixel_values} for one image, channel-major (CHW), float32.
 *
 * @param data {@code 3 * height * width} values, index {@code (c * height + y) * width + x}
 * @param height rows
 * @param width columns
 */
public record PixelValues(float[] data, int height, int width) {

    public PixelValues {
        if (data.length != 3 * height * width) {
            throw new IllegalArgumentException("expected 3x" + height + "x" + width + " values, got " + data.length);
        }
    }

    /** Value of channel c at (x, y). */
    public float get(int c, int y, int x) {
        return data[(c * height + y) * width + x];
    }

    /** {@code (1, 3, height, width)}, the batch-of-one shape the vision tower takes. */
    public Shape shape() {
        return new Shape(1, 3, height, width);
    }

    /** The values as a {@code (1, 3, H, W)} float32 array in the manager. */
    public NDArray toNDArray(NDManager manager) {
        return manager.create(data, shape());
    }
}
