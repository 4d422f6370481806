package org.transprune.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import javax.imageio.ImageIO;
import org.transprune.image.TokenOrigin;
import org.transprune.image.TokenOrigins;

/**
 * One pruning stage drawn over the input image: the image is divided into the vision tower's
 * {@code grid x grid} patches (row-major, patch {@code p} at row {@code p / grid}); each candidate
 * patch is tinted by its score from blue (lowest) to red (highest), the patches the stage kept are
 * outlined in white, the ones it dropped are dimmed, and patches pruned at an earlier stage are
 * greyed out. {@link #renderKept} draws only which patches a stage kept, for figures that put
 * several strategies side by side.
 */
public final class KeptTokenHeatmap {
    /** Smallest edge of the rendered image, so tiny inputs still show readable cells. */
    static final int MIN_EDGE = 384;
    /** Over a patch {@link #renderKept} did not keep. */
    static final Color DIMMED = new Color(0, 0, 0, 170);
    /** The patch grid of {@link #renderKept}. */
    static final Color GRID_LINE = new Color(255, 255, 255, 70);

    private KeptTokenHeatmap() {}

    /**
     * @param image the input image (as the model saw it, e.g. after padding to square)
     * @param grid patches per side (24 for CLIP ViT-L/14 at 336 px)
     * @param candidatePatches original patch numbers the stage chose from
     * @param scores one score per candidate, aligned with {@code candidatePatches}
     * @param keptPatches original patch numbers the stage kept
     */
    public static BufferedImage render(
            BufferedImage image, int grid, int[] candidatePatches, float[] scores, int[] keptPatches) {
        if (candidatePatches.length != scores.length) {
            throw new IllegalArgumentException(
                    candidatePatches.length + " candidates but " + scores.length + " scores");
        }
        int scale = Math.max(
                1,
                (MIN_EDGE + Math.max(image.getWidth(), image.getHeight()) - 1)
                        / Math.max(image.getWidth(), image.getHeight()));
        int width = image.getWidth() * scale;
        int height = image.getHeight() * scale;
        BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            g.drawImage(image, 0, 0, width, height, null);
            float min = Float.POSITIVE_INFINITY;
            float max = Float.NEGATIVE_INFINITY;
            for (float s : scores) {
                if (Float.isFinite(s)) {
                    min = Math.min(min, s);
                    max = Math.max(max, s);
                }
            }
            float[] scoreOfPatch = new float[grid * grid];
            boolean[] candidate = new boolean[grid * grid];
            Arrays.fill(scoreOfPatch, Float.NaN);
            for (int i = 0; i < candidatePatches.length; i++) {
                candidate[candidatePatches[i]] = true;
                scoreOfPatch[candidatePatches[i]] = scores[i];
            }
            boolean[] kept = new boolean[grid * grid];
            for (int p : keptPatches) {
                kept[p] = true;
            }
            for (int p = 0; p < grid * grid; p++) {
                int x0 = (p % grid) * width / grid;
                int x1 = (p % grid + 1) * width / grid;
                int y0 = (p / grid) * height / grid;
                int y1 = (p / grid + 1) * height / grid;
                if (!candidate[p]) {
                    g.setColor(new Color(40, 40, 40, 200));
                    g.fillRect(x0, y0, x1 - x0, y1 - y0);
                    continue;
                }
                float s = scoreOfPatch[p];
                double t = !Float.isFinite(s) ? 0 : max > min ? (s - min) / (max - min) : 0.5;
                g.setColor(ramp(t, 130));
                g.fillRect(x0, y0, x1 - x0, y1 - y0);
                if (!kept[p]) {
                    g.setColor(new Color(0, 0, 0, 110));
                    g.fillRect(x0, y0, x1 - x0, y1 - y0);
                }
            }
            g.setColor(Color.WHITE);
            g.setStroke(new BasicStroke(2f));
            for (int p = 0; p < grid * grid; p++) {
                if (kept[p]) {
                    int x0 = (p % grid) * width / grid;
                    int x1 = (p % grid + 1) * width / grid;
                    int y0 = (p / grid) * height / grid;
                    int y1 = (p / grid + 1) * height / grid;
                    g.drawRect(x0 + 1, y0 + 1, x1 - x0 - 3, y1 - y0 - 3);
                }
            }
        } finally {
            g.dispose();
        }
        return out;
    }

    /**
     * One pruning stage drawn over the original image by where each token looks: every candidate
     * token's region ({@link TokenOrigin}'s fractions of the image, e.g. LLaVA-NeXT's base-view or tile
     * patches) tinted by its score from blue to red, kept ones outlined in white, dropped ones dimmed.
     * Tokens without a region (newlines) are not drawn; draw the base view and the tiles separately,
     * as their regions overlap.
     *
     * @param image the original input image
     * @param origins the origin of each candidate, aligned with {@code scores} and {@code kept}
     */
    public static BufferedImage renderRegions(
            BufferedImage image, List<TokenOrigin> origins, float[] scores, boolean[] kept) {
        if (origins.size() != scores.length || scores.length != kept.length) {
            throw new IllegalArgumentException(
                    origins.size() + " origins, " + scores.length + " scores, " + kept.length + " kept flags");
        }
        int scale = Math.max(
                1,
                (MIN_EDGE + Math.max(image.getWidth(), image.getHeight()) - 1)
                        / Math.max(image.getWidth(), image.getHeight()));
        int width = image.getWidth() * scale;
        int height = image.getHeight() * scale;
        BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            g.drawImage(image, 0, 0, width, height, null);
            g.setColor(new Color(40, 40, 40, 200));
            g.fillRect(0, 0, width, height); // regions no candidate covers stay grey
            g.drawImage(image, 0, 0, width, height, null);
            float min = Float.POSITIVE_INFINITY;
            float max = Float.NEGATIVE_INFINITY;
            for (float s : scores) {
                if (Float.isFinite(s)) {
                    min = Math.min(min, s);
                    max = Math.max(max, s);
                }
            }
            for (int pass = 0; pass < 2; pass++) {
                for (int i = 0; i < origins.size(); i++) {
                    TokenOrigin o = origins.get(i);
                    int x0 = (int) Math.round(o.x0() * width);
                    int x1 = (int) Math.round(o.x1() * width);
                    int y0 = (int) Math.round(o.y0() * height);
                    int y1 = (int) Math.round(o.y1() * height);
                    if (o.isNewline() || x1 <= x0 || y1 <= y0) {
                        continue;
                    }
                    if (pass == 0) {
                        float s = scores[i];
                        double t = !Float.isFinite(s) ? 0 : max > min ? (s - min) / (max - min) : 0.5;
                        g.setColor(ramp(t, 130));
                        g.fillRect(x0, y0, x1 - x0, y1 - y0);
                        if (!kept[i]) {
                            g.setColor(new Color(0, 0, 0, 110));
                            g.fillRect(x0, y0, x1 - x0, y1 - y0);
                        }
                    } else if (kept[i]) {
                        g.setColor(Color.WHITE);
                        g.setStroke(new BasicStroke(1.5f));
                        g.drawRect(x0, y0, Math.max(1, x1 - x0 - 1), Math.max(1, y1 - y0 - 1));
                    }
                }
            }
        } finally {
            g.dispose();
        }
        return out;
    }

    /**
     * The patches kept after a stage, without scores: {@code image} drawn at {@code edge x edge}
     * under a faint {@code grid x grid} patch grid, the patches not in {@code keptPatches} dimmed
     * and the kept ones left as they are. With {@code keptPatches} null (nothing pruned) the image
     * is drawn plain, without the grid.
     *
     * @param image the input image as the model saw it (square: stretched otherwise)
     * @param grid patches per side
     * @param keptPatches original patch numbers kept, or null
     * @param edge side of the result in pixels
     */
    public static BufferedImage renderKept(BufferedImage image, int grid, int[] keptPatches, int edge) {
        return renderKept(image, grid, grid, keptPatches, edge, edge);
    }

    /**
     * {@link #renderKept(BufferedImage, int, int[], int)} for a grid of {@code rows x columns} tokens (row-major,
     * token {@code p} at row {@code p / columns}) over an image drawn at {@code width x height}, e.g. Qwen2.5-VL's
     * token grid, which follows the image's aspect.
     */
    public static BufferedImage renderKept(
            BufferedImage image, int rows, int columns, int[] keptPatches, int width, int height) {
        BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            g.drawImage(image, 0, 0, width, height, null);
            if (keptPatches == null) {
                return out;
            }
            boolean[] kept = new boolean[rows * columns];
            for (int p : keptPatches) {
                kept[p] = true;
            }
            g.setColor(DIMMED);
            for (int p = 0; p < rows * columns; p++) {
                if (!kept[p]) {
                    int x0 = (p % columns) * width / columns;
                    int y0 = (p / columns) * height / rows;
                    g.fillRect(
                            x0, y0, (p % columns + 1) * width / columns - x0, (p / columns + 1) * height / rows - y0);
                }
            }
            g.setColor(GRID_LINE);
            for (int i = 1; i < columns; i++) {
                g.drawLine(i * width / columns, 0, i * width / columns, height - 1);
            }
            for (int i = 1; i < rows; i++) {
                g.drawLine(0, i * height / rows, width - 1, i * height / rows);
            }
        } finally {
            g.dispose();
        }
        return out;
    }

    /**
     * The tokens of a LLaVA-NeXT image block kept after a stage, without scores: {@code image}
     * stretched to {@code edge x edge}, dimmed except where a kept tile token looks, and in the
     * bottom-right corner an inset a third of the side wide with the base view's patch grid
     * ({@link #renderKept}). Newline tokens cover no pixels and are not drawn. With
     * {@code kept} null (nothing pruned) the image is drawn plain.
     *
     * @param origins the origin of every token of the block
     * @param kept indices into the block of the tokens kept, or null
     */
    public static BufferedImage renderKeptRegions(BufferedImage image, TokenOrigins origins, int[] kept, int edge) {
        BufferedImage out = new BufferedImage(edge, edge, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            g.drawImage(image, 0, 0, edge, edge, null);
            if (kept == null) {
                return out;
            }
            BufferedImage bright = new BufferedImage(edge, edge, BufferedImage.TYPE_INT_RGB);
            bright.getGraphics().drawImage(out, 0, 0, null);
            g.setColor(DIMMED);
            g.fillRect(0, 0, edge, edge);
            int baseGrid = 0;
            List<Integer> keptBase = new java.util.ArrayList<>();
            for (TokenOrigin o : origins.all()) {
                if (o.kind() == TokenOrigin.Kind.BASE) {
                    baseGrid = Math.max(baseGrid, o.row() + 1);
                }
            }
            for (int k : kept) {
                TokenOrigin o = origins.get(k);
                if (o.kind() == TokenOrigin.Kind.BASE) {
                    keptBase.add(o.row() * baseGrid + o.column());
                } else if (o.kind() == TokenOrigin.Kind.TILE) {
                    int x0 = (int) Math.floor(o.x0() * edge);
                    int y0 = (int) Math.floor(o.y0() * edge);
                    int x1 = (int) Math.ceil(o.x1() * edge);
                    int y1 = (int) Math.ceil(o.y1() * edge);
                    if (x1 > x0 && y1 > y0) {
                        g.drawImage(bright.getSubimage(x0, y0, x1 - x0, y1 - y0), x0, y0, null);
                    }
                }
            }
            if (baseGrid > 0) {
                int inset = edge / 3;
                BufferedImage base = renderKept(
                        image,
                        baseGrid,
                        keptBase.stream().mapToInt(Integer::intValue).toArray(),
                        inset);
                g.drawImage(base, edge - inset, edge - inset, null);
                g.setColor(Color.WHITE);
                g.drawRect(edge - inset - 1, edge - inset - 1, inset, inset);
            }
        } finally {
            g.dispose();
        }
        return out;
    }

    /** Writes {@code image} as a PNG, creating the parent directories. */
    public static void writePng(BufferedImage image, Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        if (!ImageIO.write(image, "png", file.toFile())) {
            throw new IOException("no PNG writer available for " + file);
        }
    }

    /** Blue (t = 0) through purple to red (t = 1). */
    static Color ramp(double t, int alpha) {
        double c = Math.max(0, Math.min(1, t));
        return new Color(
                (int) Math.round(255 * c),
                (int) Math.round(60 * (1 - Math.abs(2 * c - 1))),
                (int) Math.round(255 * (1 - c)),
                alpha);
    }
}
