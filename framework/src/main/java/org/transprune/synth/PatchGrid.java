package org.transprune.synth;

/**
 * A grid x grid partition of an image frame into patches, indexed row-major. The frame may be
 * non-square (columns span its width, rows its height). When a side is not a multiple of
 * {@code grid}, patch edges along it are at {@code floor(j * side / grid)}, so patches differ in size
 * by at most one pixel.
 */
public final class PatchGrid {
    private final int grid;
    private final int width;
    private final int height;
    private final int[] xEdges;
    private final int[] yEdges;
    private final int[] columnOfPixel;
    private final int[] rowOfPixel;

    /** A grid over the benchmark's square {@value Scene#SIZE} px frame. */
    public PatchGrid(int grid) {
        this(grid, Scene.SIZE);
    }

    /** A grid over a square frame of {@code frame} px. */
    public PatchGrid(int grid, int frame) {
        this(grid, frame, frame);
    }

    /** A grid over a {@code width x height} frame. */
    public PatchGrid(int grid, int width, int height) {
        if (grid < 1 || grid > Math.min(width, height)) {
            throw new IllegalArgumentException("grid must be in 1.." + Math.min(width, height) + ", got " + grid);
        }
        this.grid = grid;
        this.width = width;
        this.height = height;
        this.xEdges = edges(grid, width);
        this.yEdges = edges(grid, height);
        this.columnOfPixel = cells(xEdges, width);
        this.rowOfPixel = cells(yEdges, height);
    }

    private static int[] edges(int grid, int side) {
        int[] e = new int[grid + 1];
        for (int j = 0; j <= grid; j++) {
            e[j] = (int) ((long) j * side / grid);
        }
        return e;
    }

    private static int[] cells(int[] edges, int side) {
        int[] of = new int[side];
        for (int j = 0; j + 1 < edges.length; j++) {
            for (int p = edges[j]; p < edges[j + 1]; p++) {
                of[p] = j;
            }
        }
        return of;
    }

    public int grid() {
        return grid;
    }

    /** The side of a square frame; for a non-square frame use {@link #width()} and {@link #height()}. */
    public int frame() {
        if (width != height) {
            throw new IllegalStateException("the frame is " + width + "x" + height + ", not square");
        }
        return width;
    }

    public int width() {
        return width;
    }

    public int height() {
        return height;
    }

    /** Number of patches, grid * grid. */
    public int patches() {
        return grid * grid;
    }

    /** The column (for x) or row (for y) of the patch containing pixel coordinate {@code p} of a square frame. */
    public int cellOf(int p) {
        return columnOfPixel[p];
    }

    /** The column of the patch containing pixel column {@code x}. */
    public int columnOf(int x) {
        return columnOfPixel[x];
    }

    /** The row of the patch containing pixel row {@code y}. */
    public int rowOf(int y) {
        return rowOfPixel[y];
    }

    /** Pixel count of the patch with row-major index {@code index}. */
    public int area(int index) {
        int row = index / grid;
        int col = index % grid;
        return (yEdges[row + 1] - yEdges[row]) * (xEdges[col + 1] - xEdges[col]);
    }
}
