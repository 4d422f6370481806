package org.transprune.synth;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferInt;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A synthetic image: shapes with disjoint boxes on a grey background with light noise. The noise is
 * drawn from {@code noiseSeed}, so a scene renders to the same pixels everywhere. The frame is
 * {@code width x height} pixels: the benchmark's square {@value #SIZE} px by default, or a non-square
 * frame for LLaVA-NeXT's AnyRes (e.g. 336x168); each side is at most {@value #SIZE}.
 */
public record Scene(long noiseSeed, List<SceneObject> objects, int width, int height) {
    /** Width and height of the default (square) frame in pixels, the input size of LLaVA-1.5. */
    public static final int SIZE = 336;
    /** Grey level of the background before noise. */
    public static final int BACKGROUND = 128;
    /** The noise added to every pixel (background and shapes alike) is uniform in [-NOISE, NOISE]. */
    public static final int NOISE = 8;

    /** A scene in the default square {@value #SIZE} px frame. */
    public Scene(long noiseSeed, List<SceneObject> objects) {
        this(noiseSeed, objects, SIZE, SIZE);
    }

    public Scene {
        objects = List.copyOf(objects);
        if (width < 1 || height < 1 || width > SIZE || height > SIZE) {
            throw new IllegalArgumentException("frame must be 1.." + SIZE + " px a side, got " + width + "x" + height);
        }
        for (SceneObject o : objects) {
            if (o.x1() > width || o.y1() > height) {
                throw new IllegalArgumentException("object outside the " + width + "x" + height + " frame: " + o);
            }
        }
        for (int i = 0; i < objects.size(); i++) {
            for (int j = i + 1; j < objects.size(); j++) {
                if (boxGap(objects.get(i), objects.get(j)) < 0) {
                    throw new IllegalArgumentException("objects overlap: " + objects.get(i) + ", " + objects.get(j));
                }
            }
        }
    }

    /**
     * The empty space between two boxes along the axis where they are furthest apart: negative when
     * the boxes intersect, 0 when they touch.
     */
    static int boxGap(SceneObject a, SceneObject b) {
        int gapX = Math.max(b.x0() - a.x1(), a.x0() - b.x1());
        int gapY = Math.max(b.y0() - a.y1(), a.y0() - b.y1());
        return Math.max(gapX, gapY);
    }

    /** Whether the frame is the default square {@value #SIZE} px one. */
    public boolean defaultFrame() {
        return width == SIZE && height == SIZE;
    }

    /** Renders into {@code rgb}, width * height row-major pixels packed as 0xRRGGBB. */
    public void renderInto(int[] rgb) {
        if (rgb.length != width * height) {
            throw new IllegalArgumentException("need " + width * height + " pixels, got " + rgb.length);
        }
        SplittableRandom noise = new SplittableRandom(noiseSeed);
        // Noise is drawn for every pixel in raster order before shapes are painted, so it does not
        // depend on the shapes and a shape's pixels carry the same noise as the background below it.
        for (int i = 0; i < rgb.length; i++) {
            int g = BACKGROUND + noise.nextInt(2 * NOISE + 1) - NOISE;
            rgb[i] = (g << 16) | (g << 8) | g;
        }
        for (SceneObject o : objects) {
            int c = o.color().rgb();
            int r = (c >> 16) & 0xff;
            int g = (c >> 8) & 0xff;
            int b = c & 0xff;
            for (int y = o.y0(); y < o.y1(); y++) {
                for (int x = o.x0(); x < o.x1(); x++) {
                    if (o.covers(x, y)) {
                        int i = y * width + x;
                        int n = (rgb[i] & 0xff) - BACKGROUND;
                        rgb[i] = (clamp(r + n) << 16) | (clamp(g + n) << 8) | clamp(b + n);
                    }
                }
            }
        }
    }

    /** The same scene (same noise) without its objects. */
    public Scene blank() {
        return new Scene(noiseSeed, List.of(), width, height);
    }

    private static int clamp(int v) {
        return v < 0 ? 0 : Math.min(v, 255);
    }

    /** The scene as a width x height {@link BufferedImage#TYPE_INT_RGB} image. */
    public BufferedImage render() {
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        renderInto(((DataBufferInt) img.getRaster().getDataBuffer()).getData());
        return img;
    }

    /**
     * Per-patch ground truth for a vision auxiliary loss: for each patch (row-major over
     * {@code grid} x {@code grid} over the frame), the object covering the largest share of it, provided that share
     * is at least {@code minCoverage}; otherwise background.
     */
    public PatchLabels patchLabels(int grid, double minCoverage) {
        PatchGrid g = new PatchGrid(grid, width, height);
        int[] kind = new int[g.patches()];
        int[] color = new int[g.patches()];
        double[] best = new double[g.patches()];
        for (SceneObject o : objects) {
            double[] cov = o.patchCoverage(g);
            for (int p = 0; p < cov.length; p++) {
                if (cov[p] >= minCoverage && cov[p] > best[p]) {
                    best[p] = cov[p];
                    kind[p] = o.kind().ordinal() + 1;
                    color[p] = o.color().ordinal() + 1;
                }
            }
        }
        return new PatchLabels(grid, kind, color);
    }
}
