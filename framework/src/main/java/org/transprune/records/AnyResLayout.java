package org.transprune.records;

/**
 * How LLaVA-NeXT's AnyRes cut one sample's image into views and image tokens (the fields of
 * {@code image.AnyResPlan}): enough for a report to rebuild where every image token of the record
 * came from, without the model. Absent from single-view (LLaVA-1.5) records.
 *
 * @param rules the rule set, {@code hf} or {@code llava}
 * @param imageWidth original image width in pixels
 * @param imageHeight original image height in pixels
 * @param tileSize side of a view in pixels
 * @param patchGrid patches per view side
 * @param bestWidth width of the chosen pinpoint resolution
 * @param bestHeight height of the chosen pinpoint resolution
 * @param resizedWidth width of the image resized into it
 * @param resizedHeight height of the image resized into it
 * @param tileRows tiles per column
 * @param tileCols tiles per row
 * @param firstRow first feature row kept by unpadding
 * @param firstColumn first feature column kept by unpadding
 * @param rows feature rows kept
 * @param columns feature columns kept
 * @param newline whether a newline token ends every kept row
 */
public record AnyResLayout(
        String rules,
        int imageWidth,
        int imageHeight,
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
        boolean newline) {}
