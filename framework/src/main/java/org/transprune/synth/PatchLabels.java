package org.transprune.synth;

/**
 * Per-patch labels of a scene for a grid x grid patch grid, row-major. {@code kind[p]} is 0 for
 * background or {@code ShapeKind.ordinal() + 1}; {@code color[p]} is 0 for background or
 * {@code ShapeColor.ordinal() + 1}. Both are background together.
 */
public record PatchLabels(int grid, int[] kind, int[] color) {
    /** Number of kind classes including background. */
    public static final int KIND_CLASSES = ShapeKind.values().length + 1;
    /** Number of colour classes including background. */
    public static final int COLOR_CLASSES = ShapeColor.values().length + 1;

    /**
     * One combined class per patch: 0 for background, else
     * {@code 1 + (kind - 1) * colours + (color - 1)}, for a single softmax over kind x colour.
     */
    public int[] combined() {
        int[] out = new int[kind.length];
        for (int p = 0; p < out.length; p++) {
            out[p] = kind[p] == 0 ? 0 : 1 + (kind[p] - 1) * (COLOR_CLASSES - 1) + (color[p] - 1);
        }
        return out;
    }
}
