package org.transprune.model;

/**
 * Qwen2.5-VL's multimodal rotary position ids for a prompt with one image ({@code get_rope_index}): text
 * before the image counts 0, 1, ...; the image's merged tokens all take the next id as temporal id and that
 * id plus their row and column as height and width ids; text after the image continues at one past the
 * largest id used so far. Text tokens have three equal ids.
 */
public final class MropePositions {
    private MropePositions() {}

    /**
     * Position ids {@code [3][length]}: temporal, height, width.
     *
     * @param length prompt tokens, image included
     * @param imageStart index of the first image token
     * @param rows merged-token rows of the image (0 without an image)
     * @param columns merged-token columns of the image
     */
    public static int[][] of(int length, int imageStart, int rows, int columns) {
        int image = rows * columns;
        if (imageStart < 0 || imageStart + image > length || rows < 0 || columns < 0) {
            throw new IllegalArgumentException("an image of " + rows + " x " + columns + " tokens at " + imageStart
                    + " does not fit a prompt of " + length + " tokens");
        }
        int[][] p = new int[3][length];
        int text = image == 0 ? length : imageStart;
        for (int i = 0; i < text; i++) {
            p[0][i] = p[1][i] = p[2][i] = i;
        }
        if (image == 0) {
            return p;
        }
        int base = imageStart;
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < columns; c++) {
                int i = imageStart + r * columns + c;
                p[0][i] = base;
                p[1][i] = base + r;
                p[2][i] = base + c;
            }
        }
        int next = base + Math.max(rows, columns);
        for (int i = imageStart + image; i < length; i++) {
            p[0][i] = p[1][i] = p[2][i] = next + (i - imageStart - image);
        }
        return p;
    }
}
