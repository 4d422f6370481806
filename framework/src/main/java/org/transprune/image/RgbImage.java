package org.transprune.image;

import java.util.Arrays;

/**
 * An 8-bit RGB image, pixels row-major with the channels interleaved ({@code R G B R G B ...}),
 * like a PIL image in mode "RGB".
 *
 * @param width pixels per row
 * @param height rows
 * @param rgb {@code 3 * width * height} bytes, read unsigned
 */
public record RgbImage(int width, int height, byte[] rgb) {

    public RgbImage {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("image size must be positive: " + width + "x" + height);
        }
        if (rgb.length != 3L * width * height) {
            throw new IllegalArgumentException("expected " + 3L * width * height + " bytes for " + width + "x" + height
                    + " RGB, got " + rgb.length);
        }
    }

    /** An image of one colour. */
    public static RgbImage filled(int width, int height, int red, int green, int blue) {
        byte[] data = new byte[3 * width * height];
        for (int i = 0; i < data.length; i += 3) {
            data[i] = (byte) red;
            data[i + 1] = (byte) green;
            data[i + 2] = (byte) blue;
        }
        return new RgbImage(width, height, data);
    }

    /** Channel {@code c} (0 red, 1 green, 2 blue) of pixel (x, y), 0..255. */
    public int get(int x, int y, int c) {
        return rgb[3 * (y * width + x) + c] & 0xFF;
    }

    /** Sets channel {@code c} of pixel (x, y); the value is taken modulo 256. */
    public void set(int x, int y, int c, int value) {
        rgb[3 * (y * width + x) + c] = (byte) value;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RgbImage i && width == i.width && height == i.height && Arrays.equals(rgb, i.rgb);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * width + height) + Arrays.hashCode(rgb);
    }

    @Override
    public String toString() {
        return "RgbImage[" + width + "x" + height + "]";
    }
}
