package org.transprune.synth;

/**
 * A grid x grid partition of the square image frame into patches, indexed row-major. When the frame
 * size is not a multiple of {@code grid}, patch edges are at {@code floor(j * frame / grid)}, so
 * patches differ in size by at most one pixel.
 */
public final class PatchGrid {
    private final int grid;
    private final int frame;
    private final int[] edges;
    private final int[] patchOfPixel;

    /** A grid over the benchmark's {@value Scene#SIZE} px frame. */
    public PatchGrid(int grid) {
        this(grid, Scene.SIZE);
    }

    public PatchGrid(int grid, int frame) {
        if (grid < 1 || grid > frame) {
            throw new IllegalArgumentException("grid must be in 1.." + frame + ", got " + grid);
        }
        this.grid = grid;
        this.frame = frame;
        this.edges = new int[grid + 1];
        for (int j = 0; j <= grid; j++) {
            edges[j] = (int) ((long) j * frame / grid);
        }
        this.patchOfPixel = new int[frame];
        for (int j = 0; j < grid; j++) {
            for (int p = edges[j]; p < edges[j + 1]; p++) {
                patchOfPixel[p] = j;
            }
        }
    }

    public int grid() {
        return grid;
    }

    public int frame() {
        return frame;
    }

    /** Number of patches, grid * grid. */
    public int patches() {
        return grid * grid;
    }

    /** The column (for x) or row (for y) of the patch containing pixel coordinate {@code p}. */
    public int cellOf(int p) {
        return patchOfPixel[p];
    }

    /** Pixel count of the patch with row-major index {@code index}. */
    public int area(int index) {
        int row = index / grid;
        int col = index % grid;
        return (edges[row + 1] - edges[row]) * (edges[col + 1] - edges[col]);
    }
}
