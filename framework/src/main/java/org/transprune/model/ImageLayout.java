package org.transprune.model;

/**
 * Where each image token of the original image block came from: its view (0 for LLaVA-1.5's one
 * view; LLaVA-NeXT's tiles and base image are further views) and its patch row and column inside
 * that view's grid, counted from the top left.
 *
 * @param views number of views
 * @param rows patch rows of a view's grid
 * @param columns patch columns of a view's grid
 * @param view per original image token (patch number 0..N-1), its view
 * @param row per original image token, its row (0-based)
 * @param column per original image token, its column (0-based)
 */
public record ImageLayout(int views, int rows, int columns, int[] view, int[] row, int[] column) {

    public ImageLayout {
        if (view.length != row.length || row.length != column.length) {
            throw new IllegalArgumentException("origins of different lengths");
        }
    }

    /**
     * One view of {@code rows x columns} patches in row-major order, as LLaVA-1.5 lays out its 24 x 24
     * grid; {@code tokens} image tokens (fewer than the grid only when a caller cut the block short).
     */
    public static ImageLayout singleView(int rows, int columns, int tokens) {
        int[] v = new int[tokens];
        int[] r = new int[tokens];
        int[] c = new int[tokens];
        for (int p = 0; p < tokens; p++) {
            r[p] = p / columns;
            c[p] = p % columns;
        }
        return new ImageLayout(1, rows, columns, v, r, c);
    }

    /** Number of image tokens described. */
    public int tokens() {
        return row.length;
    }
}
