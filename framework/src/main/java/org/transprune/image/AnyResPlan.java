package org.transprune.image;

import java.util.ArrayList;
import java.util.List;

/**
 * How LLaVA-NeXT's AnyRes turns one image of a given size into views and image tokens: the chosen
 * resolution, the aspect-keeping resize and its padding, the tile grid, and the window of the
 * feature grid that survives unpadding. Built by {@link AnyRes#plan}; needs no pixels.
 *
 * @param imageWidth original image width in pixels
 * @param imageHeight original image height in pixels
 * @param rules the rule set the plan follows
 * @param tileSize side of a tile and of the base view in pixels (the tower's input size, 336)
 * @param patchGrid features per tile side (the tower's patch grid, 24)
 * @param bestWidth width of the chosen pinpoint resolution
 * @param bestHeight height of the chosen pinpoint resolution
 * @param resizedWidth width of the image resized into the chosen resolution, aspect kept
 * @param resizedHeight height of the image resized into the chosen resolution, aspect kept
 * @param tileRows tiles per column of the grid ({@code bestHeight / tileSize})
 * @param tileCols tiles per row of the grid ({@code bestWidth / tileSize})
 * @param firstRow first feature row kept by unpadding
 * @param firstColumn first feature column kept by unpadding
 * @param rows feature rows kept by unpadding
 * @param columns feature columns kept by unpadding
 * @param newline whether an {@code image_newline} token ends every kept row
 */
public record AnyResPlan(
        int imageWidth,
        int imageHeight,
        AnyResRules rules,
        int tileSize,
        int patchGrid,
        int bestWidth,
        int bestHeight,
        int resizedWidth,
        int resizedHeight,
        int tileRows,
        int tileCols,
        int firstRow,
        int firstColumn,
        int rows,
        int columns,
        boolean newline) {

    /** Left offset of the resized image on the padded canvas (the extra odd pixel goes right). */
    public int pasteX() {
        return (bestWidth - resizedWidth) / 2;
    }

    /** Top offset of the resized image on the padded canvas (the extra odd pixel goes down). */
    public int pasteY() {
        return (bestHeight - resizedHeight) / 2;
    }

    /** Tiles of the grid. */
    public int tiles() {
        return tileRows * tileCols;
    }

    /** Views the tower encodes: the base view plus every tile. */
    public int views() {
        return tiles() + 1;
    }

    /** Image tokens of the base view ({@code patchGrid^2}). */
    public int baseTokens() {
        return patchGrid * patchGrid;
    }

    /** Image tokens after the base view: the kept grid plus one newline per kept row. */
    public int gridTokens() {
        return rows * (columns + (newline ? 1 : 0));
    }

    /** All image tokens this image contributes to the prompt. */
    public int imageTokens() {
        return baseTokens() + gridTokens();
    }

    /** Feature rows of the full (padded) tile grid. */
    public int paddedRows() {
        return tileRows * patchGrid;
    }

    /** Feature columns of the full (padded) tile grid. */
    public int paddedColumns() {
        return tileCols * patchGrid;
    }

    /**
     * The origin of every image token, in prompt order: the base view row-major, then each kept
     * grid row left to right followed by its newline token.
     */
    public TokenOrigins origins() {
        List<TokenOrigin> out = new ArrayList<>(imageTokens());
        out.addAll(TokenOrigin.baseView(patchGrid));
        double patchPixels = (double) tileSize / patchGrid;
        for (int r = 0; r < rows; r++) {
            int gr = firstRow + r;
            double y0 = toImage(gr * patchPixels, pasteY(), resizedHeight);
            double y1 = toImage((gr + 1) * patchPixels, pasteY(), resizedHeight);
            for (int c = 0; c < columns; c++) {
                int gc = firstColumn + c;
                int tile = (gr / patchGrid) * tileCols + gc / patchGrid;
                double x0 = toImage(gc * patchPixels, pasteX(), resizedWidth);
                double x1 = toImage((gc + 1) * patchPixels, pasteX(), resizedWidth);
                out.add(new TokenOrigin(TokenOrigin.Kind.TILE, tile, r, c, x0, y0, x1, y1));
            }
            if (newline) {
                out.add(new TokenOrigin(TokenOrigin.Kind.NEWLINE, -1, r, columns, 1.0, y0, 1.0, y1));
            }
        }
        return new TokenOrigins(out);
    }

    /** A canvas coordinate as a fraction of the original image's side, clamped to 0..1. */
    private static double toImage(double canvas, int paste, int resized) {
        return Math.min(1.0, Math.max(0.0, (canvas - paste) / resized));
    }
}
