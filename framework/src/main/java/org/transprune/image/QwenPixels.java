package org.transprune.image;

/**
 * One image as Qwen2.5-VL's vision tower takes it: flattened patches and their grid (one frame pair).
 *
 * @param patches {@code gridH * gridW} rows of {@code 3 * 2 * 14 * 14} values, in the processor's order
 * @param gridH patch rows (twice the merged token rows)
 * @param gridW patch columns
 * @param height resized image height in pixels
 * @param width resized image width in pixels
 */
public record QwenPixels(float[] patches, int gridH, int gridW, int height, int width) {

    public QwenPixels {
        if (gridH <= 0 || gridW <= 0 || patches.length % (gridH * gridW) != 0) {
            throw new IllegalArgumentException(
                    patches.length + " values do not divide into a " + gridH + " x " + gridW + " patch grid");
        }
    }

    /** Values per patch row. */
    public int patchValues() {
        return patches.length / (gridH * gridW);
    }

    /** Merged image tokens for a merge size of 2: {@code (gridH / 2) * (gridW / 2)}. */
    public int tokens(int mergeSize) {
        return (gridH / mergeSize) * (gridW / mergeSize);
    }
}
