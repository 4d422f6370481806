package org.transprune.synth;

import java.util.Objects;

/**
 * One shape in a scene: its kind and colour, and the size x size box it is inscribed in, with the
 * top-left corner at pixel (x0, y0) of the image frame (at most {@value Scene#SIZE} px a side; the
 * scene checks its own frame). These parameters define the pixel mask exactly
 * ({@link #covers}), so coverage can be recomputed for any patch grid from the answer key.
 *
 * <p>Boxes are half-open: the object can only cover pixels with {@code x0 <= x < x1} and
 * {@code y0 <= y < y1}, where {@code x1 = x0 + size} and {@code y1 = y0 + size}.
 */
public record SceneObject(ShapeKind kind, ShapeColor color, int x0, int y0, int size) {

    public SceneObject {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(color, "color");
        if (size < 1 || x0 < 0 || y0 < 0 || x0 + size > Scene.SIZE || y0 + size > Scene.SIZE) {
            throw new IllegalArgumentException(
                    "object box outside the " + Scene.SIZE + " px frame: x0=" + x0 + " y0=" + y0 + " size=" + size);
        }
    }

    /** Exclusive right edge of the box. */
    public int x1() {
        return x0 + size;
    }

    /** Exclusive bottom edge of the box. */
    public int y1() {
        return y0 + size;
    }

    /** The box as {x0, y0, x1, y1} in the image frame (x1, y1 exclusive). */
    public int[] box() {
        return new int[] {x0, y0, x1(), y1()};
    }

    /** Whether the object covers pixel (px, py): the pixel's centre lies inside the shape. */
    public boolean covers(int px, int py) {
        return kind.contains(px + 0.5 - x0, py + 0.5 - y0, size);
    }

    /** Number of pixels the object covers. */
    public int pixelCount() {
        int n = 0;
        for (int y = y0; y < y1(); y++) {
            for (int x = x0; x < x1(); x++) {
                if (covers(x, y)) {
                    n++;
                }
            }
        }
        return n;
    }

    /**
     * The share of each patch (row-major) that this object's pixel mask covers, from 0 to 1; the
     * grid must span the frame the object is in.
     */
    public double[] patchCoverage(PatchGrid grid) {
        int[] counts = new int[grid.patches()];
        for (int y = y0; y < y1(); y++) {
            int rowBase = grid.rowOf(y) * grid.grid();
            for (int x = x0; x < x1(); x++) {
                if (covers(x, y)) {
                    counts[rowBase + grid.columnOf(x)]++;
                }
            }
        }
        double[] share = new double[counts.length];
        for (int i = 0; i < counts.length; i++) {
            share[i] = counts[i] == 0 ? 0.0 : (double) counts[i] / grid.area(i);
        }
        return share;
    }

    /** The kind and colour in words, e.g. {@code red circle}. */
    public String describe() {
        return color.word() + " " + kind.word();
    }
}
