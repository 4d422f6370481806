package org.transprune.model;

import org.transprune.image.TokenOrigin;
import org.transprune.image.TokenOrigins;

/**
 * Where each image token of the original image block came from: its view (0 for LLaVA-1.5's one
 * view; under LLaVA-NeXT's AnyRes 0 is the base view, {@code t + 1} tile {@code t}, and -1 a row's
 * newline token) and its patch row and column, counted from the top left: inside the view's grid for
 * the base view, inside the unpadded grid of all tiles for tile and newline tokens (see
 * {@link TokenOrigin}, whose full description {@link #origins} holds).
 *
 * @param views number of views
 * @param rows patch rows of a view's grid
 * @param columns patch columns of a view's grid
 * @param view per original image token (patch number 0..N-1), its view
 * @param row per original image token, its row (0-based)
 * @param column per original image token, its column (0-based)
 * @param origins per original image token, its {@link TokenOrigin} (kind, tile, image region)
 */
public record ImageLayout(int views, int rows, int columns, int[] view, int[] row, int[] column, TokenOrigins origins) {

    public ImageLayout {
        if (view.length != row.length || row.length != column.length || origins.size() != row.length) {
            throw new IllegalArgumentException("origins of different lengths");
        }
    }

    /**
     * The layout described by {@code origins}: {@code views} views of a {@code grid x grid} patch grid
     * each (for AnyRes: the plan's views and patch grid).
     */
    public static ImageLayout of(TokenOrigins origins, int views, int grid) {
        int n = origins.size();
        int[] v = new int[n];
        int[] r = new int[n];
        int[] c = new int[n];
        for (int i = 0; i < n; i++) {
            TokenOrigin o = origins.get(i);
            v[i] = o.view();
            r[i] = o.row();
            c[i] = o.column();
        }
        return new ImageLayout(views, grid, grid, v, r, c, origins);
    }

    /**
     * One view of {@code rows x columns} patches in row-major order, as LLaVA-1.5 lays out its 24 x 24
     * grid; {@code tokens} image tokens (fewer than the grid only when a caller cut the block short).
     */
    public static ImageLayout singleView(int rows, int columns, int tokens) {
        int[] v = new int[tokens];
        int[] r = new int[tokens];
        int[] c = new int[tokens];
        java.util.List<TokenOrigin> o = new java.util.ArrayList<>(tokens);
        for (int p = 0; p < tokens; p++) {
            r[p] = p / columns;
            c[p] = p % columns;
            o.add(new TokenOrigin(
                    TokenOrigin.Kind.BASE,
                    -1,
                    r[p],
                    c[p],
                    (double) c[p] / columns,
                    (double) r[p] / rows,
                    (double) (c[p] + 1) / columns,
                    (double) (r[p] + 1) / rows));
        }
        return new ImageLayout(1, rows, columns, v, r, c, new TokenOrigins(o));
    }

    /** Number of image tokens described. */
    public int tokens() {
        return row.length;
    }
}
