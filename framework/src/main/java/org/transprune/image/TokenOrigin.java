package org.transprune.image;

import java.util.ArrayList;
import java.util.List;

/**
 * Where one image token of a prompt came from: a patch of the base view, a patch of the tiled
 * high-resolution grid, or a row's newline token.
 *
 * <p>For a {@link Kind#BASE} token, {@code row} and {@code column} index the base view's patch
 * grid and {@code tile} is -1. For a {@link Kind#TILE} token they index the unpadded feature grid of
 * all tiles (row 0 is the top kept row), and {@code tile} is the tile (row-major over the tile grid,
 * 0-based) whose features it is. For a {@link Kind#NEWLINE} token {@code row} is the row it ends,
 * {@code column} equals the grid's width and {@code tile} is -1.
 *
 * <p>{@code x0, y0, x1, y1} is the part of the original image the token looks at, as fractions of
 * its width and height (0..1), clamped to the image where a patch covers padding. A newline token
 * covers no pixels: {@code x0 == x1 == 1} (the right edge) and {@code y0..y1} is its row's extent.
 *
 * @param kind base view, tile grid or newline
 * @param tile tile number for tile tokens, otherwise -1
 * @param row row in the base grid or in the unpadded tile grid
 * @param column column in the base grid or in the unpadded tile grid
 * @param x0 left edge, fraction of the image width
 * @param y0 top edge, fraction of the image height
 * @param x1 right edge, fraction of the image width
 * @param y1 bottom edge, fraction of the image height
 */
public record TokenOrigin(Kind kind, int tile, int row, int column, double x0, double y0, double x1, double y1) {

    /** What an image token is. */
    public enum Kind {
        /** A patch of the whole image resized to one tile (the base view, first in the sequence). */
        BASE,
        /** A patch of the tiled, unpadded high-resolution grid. */
        TILE,
        /** The learned {@code image_newline} embedding that ends a grid row. */
        NEWLINE
    }

    /** The origins of a single square view ({@code grid x grid} patches, row-major), as in LLaVA-1.5. */
    public static List<TokenOrigin> baseView(int grid) {
        List<TokenOrigin> out = new ArrayList<>(grid * grid);
        for (int r = 0; r < grid; r++) {
            for (int c = 0; c < grid; c++) {
                out.add(new TokenOrigin(
                        Kind.BASE,
                        -1,
                        r,
                        c,
                        (double) c / grid,
                        (double) r / grid,
                        (double) (c + 1) / grid,
                        (double) (r + 1) / grid));
            }
        }
        return out;
    }

    /** Whether this token is a newline token (no image content). */
    public boolean isNewline() {
        return kind == Kind.NEWLINE;
    }

    /** The view the token belongs to: 0 for the base view, {@code tile + 1} for tiles, -1 for newlines. */
    public int view() {
        return switch (kind) {
            case BASE -> 0;
            case TILE -> tile + 1;
            case NEWLINE -> -1;
        };
    }

    /** Short label for reports, e.g. {@code base(3,4)}, {@code tile1(10,30)}, {@code newline(10)}. */
    public String label() {
        return switch (kind) {
            case BASE -> "base(" + row + "," + column + ")";
            case TILE -> "tile" + tile + "(" + row + "," + column + ")";
            case NEWLINE -> "newline(" + row + ")";
        };
    }
}
