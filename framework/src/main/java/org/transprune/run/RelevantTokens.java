package org.transprune.run;

import java.util.ArrayList;
import java.util.List;
import org.transprune.bench.GroundTruthRegions;
import org.transprune.image.TokenOrigin;
import org.transprune.image.TokenOrigins;

/**
 * Which image tokens of a multi-view (LLaVA-NeXT) image block hold a question's answer, found through
 * each token's {@link TokenOrigin}: a base-view token is relevant when its patch of the base grid is
 * (the base view partitions the whole image like LLaVA-1.5's single view; a base view that is not square,
 * such as Qwen2.5-VL's token grid, is located like tiles); a tile token when the
 * centre of the image region it covers lies in a relevant cell of a fine partition of the image;
 * a newline token never.
 */
final class RelevantTokens {
    /** Cells per side of the fine partition that locates tile tokens (finer than any tile grid). */
    static final int FINE_GRID = 240;

    private RelevantTokens() {}

    /** Indices into the image block (ascending) of the tokens that hold the answer of {@code region}. */
    static int[] of(GroundTruthRegions.Region region, TokenOrigins origins) {
        int baseGrid = 0;
        int baseColumns = 0;
        for (TokenOrigin o : origins.all()) {
            if (o.kind() == TokenOrigin.Kind.BASE) {
                baseGrid = Math.max(baseGrid, o.row() + 1);
                baseColumns = Math.max(baseColumns, o.column() + 1);
            }
        }
        // a base view that is not square (Qwen2.5-VL's token grid follows the image) is located like tiles
        boolean squareBase = baseColumns == baseGrid;
        boolean[] base = cells(region, baseGrid);
        boolean[] fine = cells(region, FINE_GRID);
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < origins.size(); i++) {
            TokenOrigin o = origins.get(i);
            boolean relevant = switch (o.kind()) {
                case BASE ->
                    squareBase
                            ? base[o.row() * baseGrid + o.column()]
                            : fine[cell((o.y0() + o.y1()) / 2) * FINE_GRID + cell((o.x0() + o.x1()) / 2)];
                case TILE -> {
                    int cx = cell((o.x0() + o.x1()) / 2);
                    int cy = cell((o.y0() + o.y1()) / 2);
                    yield fine[cy * FINE_GRID + cx];
                }
                case NEWLINE -> false;
            };
            if (relevant) {
                out.add(i);
            }
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    private static int cell(double fraction) {
        return Math.min(FINE_GRID - 1, Math.max(0, (int) (fraction * FINE_GRID)));
    }

    private static boolean[] cells(GroundTruthRegions.Region region, int grid) {
        boolean[] out = new boolean[grid * grid];
        if (grid > 0) {
            for (int p : region.relevantPatches(grid)) {
                out[p] = true;
            }
        }
        return out;
    }
}
