package org.transprune.image;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;

/**
 * LLaVA-NeXT's AnyRes image geometry: choosing a resolution among the pinpoints, resizing into it
 * with the aspect kept, padding, cutting tiles, and the size of the feature grid left after
 * unpadding. Both rule sets of {@link AnyResRules} are followed operation for operation, including
 * their floating-point steps, so token counts match the reference code (see docs/llava-next.md).
 */
public final class AnyRes {

    /** The pinpoints of the released LLaVA-v1.6 checkpoints (both layouts list them in this order). */
    public static final List<int[]> STANDARD_PINPOINTS =
            List.of(new int[] {336, 672}, new int[] {672, 336}, new int[] {672, 672}, new int[] {1008, 336}, new int[] {
                336, 1008
            });

    private AnyRes() {}

    /**
     * The plan for an image of {@code width x height} pixels.
     *
     * @param pinpoints candidate resolutions as written in the config (order matters on ties)
     * @param rules how the pinpoints are read and how unpadding rounds
     * @param tileSize the tower's input side in pixels (336)
     * @param patchGrid features per tile side (24)
     * @param newline whether each kept row ends with an {@code image_newline} token
     * @throws IllegalArgumentException if a pinpoint is not two positive multiples of the tile size
     */
    public static AnyResPlan plan(
            int width,
            int height,
            List<int[]> pinpoints,
            AnyResRules rules,
            int tileSize,
            int patchGrid,
            boolean newline) {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("image size must be positive: " + width + "x" + height);
        }
        if (tileSize <= 0 || patchGrid <= 0) {
            throw new IllegalArgumentException("tile size and patch grid must be positive");
        }
        checkPinpoints(pinpoints, tileSize);
        int[] best = selectBest(width, height, pinpoints, rules);
        int bw = best[0];
        int bh = best[1];
        int[] resized = resizedSize(width, height, bw, bh);
        int tileRows = bh / tileSize;
        int tileCols = bw / tileSize;
        int[] window = unpad(width, height, tileRows * patchGrid, tileCols * patchGrid, rules);
        return new AnyResPlan(
                width,
                height,
                rules,
                tileSize,
                patchGrid,
                bw,
                bh,
                resized[0],
                resized[1],
                tileRows,
                tileCols,
                window[0],
                window[1],
                window[2],
                window[3],
                newline);
    }

    /**
     * Checks that every pinpoint is a pair of positive multiples of the tile size.
     *
     * @throws IllegalArgumentException naming the first bad pinpoint by its position
     */
    public static void checkPinpoints(List<int[]> pinpoints, int tileSize) {
        if (pinpoints == null || pinpoints.isEmpty()) {
            throw new IllegalArgumentException("image_grid_pinpoints is empty");
        }
        for (int i = 0; i < pinpoints.size(); i++) {
            int[] p = pinpoints.get(i);
            if (p == null || p.length != 2) {
                throw new IllegalArgumentException("image_grid_pinpoints[" + i + "] is not a pair of sizes");
            }
            if (p[0] <= 0 || p[1] <= 0 || p[0] % tileSize != 0 || p[1] % tileSize != 0) {
                throw new IllegalArgumentException("image_grid_pinpoints[" + i + "] = [" + p[0] + ", " + p[1]
                        + "] is not a pair of positive multiples of the tile size " + tileSize);
            }
        }
    }

    /**
     * The chosen resolution as {@code {width, height}}: the largest effective resolution (the
     * image's pixels that survive downscaling into the candidate, never more than it has), then the
     * least wasted area; the first candidate wins a full tie.
     */
    public static int[] selectBest(int width, int height, List<int[]> pinpoints, AnyResRules rules) {
        int[] best = null;
        long maxEffective = 0;
        long minWasted = Long.MAX_VALUE;
        long original = (long) width * height;
        for (int[] pinpoint : pinpoints) {
            int[] wh = rules.widthHeight(pinpoint);
            int w = wh[0];
            int h = wh[1];
            double scale = Math.min((double) w / width, (double) h / height);
            long downW = (long) (width * scale);
            long downH = (long) (height * scale);
            long effective = Math.min(downW * downH, original);
            long wasted = (long) w * h - effective;
            if (effective > maxEffective || (effective == maxEffective && wasted < minWasted)) {
                maxEffective = effective;
                minWasted = wasted;
                best = wh;
            }
        }
        return best;
    }

    /** The image's size once resized into {@code targetW x targetH} keeping its aspect: {@code {w, h}}. */
    public static int[] resizedSize(int width, int height, int targetW, int targetH) {
        double scaleW = (double) targetW / width;
        double scaleH = (double) targetH / height;
        if (scaleW < scaleH) {
            return new int[] {targetW, (int) Math.min(Math.ceil(height * scaleW), targetH)};
        }
        return new int[] {(int) Math.min(Math.ceil(width * scaleH), targetW), targetH};
    }

    /**
     * The window of a {@code gridH x gridW} feature grid that unpadding keeps, as {@code {firstRow,
     * firstColumn, rows, columns}}: the padded side loses {@code (side - scaled) // 2} from each
     * end, where {@code scaled} is the image's other side times the grid's scale, truncated (after
     * rounding to 7 decimals under {@link AnyResRules#HF}).
     */
    public static int[] unpad(int width, int height, int gridH, int gridW, AnyResRules rules) {
        double originalAspect = (double) width / height;
        double currentAspect = (double) gridW / gridH;
        if (originalAspect > currentAspect) {
            double scale = (double) gridW / width;
            int newH = truncate(height * scale, rules);
            int pad = Math.floorDiv(gridH - newH, 2);
            return new int[] {pad, 0, Math.max(0, gridH - 2 * pad), gridW};
        }
        double scale = (double) gridH / height;
        int newW = truncate(width * scale, rules);
        int pad = Math.floorDiv(gridW - newW, 2);
        return new int[] {0, pad, gridH, Math.max(0, gridW - 2 * pad)};
    }

    private static int truncate(double value, AnyResRules rules) {
        if (rules.roundsBeforeTruncating()) {
            // Python's round(x, 7): the exact binary value rounded half-even to 7 decimals
            value = new BigDecimal(value).setScale(7, RoundingMode.HALF_EVEN).doubleValue();
        }
        return (int) value;
    }

    /**
     * The views the tower encodes, in order: the whole image resized (squashed) to one tile, then
     * the tiles of the padded canvas row by row. The canvas is the image resized into the chosen
     * resolution with its aspect kept and pasted at {@code (pasteX, pasteY)} on black.
     */
    public static List<RgbImage> views(RgbImage image, AnyResPlan plan, Resampler.Filter filter) {
        if (image.width() != plan.imageWidth() || image.height() != plan.imageHeight()) {
            throw new IllegalArgumentException("plan is for a " + plan.imageWidth() + "x" + plan.imageHeight()
                    + " image, got " + image.width() + "x" + image.height());
        }
        int t = plan.tileSize();
        List<RgbImage> out = new ArrayList<>(plan.views());
        out.add(Resampler.resize(image, t, t, filter));
        RgbImage canvas = canvas(image, plan, filter);
        for (int r = 0; r < plan.tileRows(); r++) {
            for (int c = 0; c < plan.tileCols(); c++) {
                out.add(crop(canvas, c * t, r * t, t, t));
            }
        }
        return out;
    }

    /** The resized image pasted on a black canvas of the chosen resolution. */
    public static RgbImage canvas(RgbImage image, AnyResPlan plan, Resampler.Filter filter) {
        RgbImage resized = Resampler.resize(image, plan.resizedWidth(), plan.resizedHeight(), filter);
        int cw = plan.bestWidth();
        RgbImage canvas = new RgbImage(cw, plan.bestHeight(), new byte[3 * cw * plan.bestHeight()]);
        int rw = resized.width();
        for (int y = 0; y < resized.height(); y++) {
            System.arraycopy(
                    resized.rgb(), 3 * y * rw, canvas.rgb(), 3 * ((y + plan.pasteY()) * cw + plan.pasteX()), 3 * rw);
        }
        return canvas;
    }

    private static RgbImage crop(RgbImage image, int left, int top, int w, int h) {
        byte[] out = new byte[3 * w * h];
        for (int y = 0; y < h; y++) {
            System.arraycopy(image.rgb(), 3 * ((y + top) * image.width() + left), out, 3 * y * w, 3 * w);
        }
        return new RgbImage(w, h, out);
    }
}
