package org.transprune.text;

import java.util.Arrays;

/**
 * A prompt as token ids, laid out {@code [text prefix][N image positions][text after the image]}.
 * The image positions hold a placeholder id that the engine replaces with the projected image
 * features.
 *
 * <p>Without an image, {@code imageLength} is 0 and {@code imageStart} equals the prompt length.
 *
 * @param ids every position of the prompt, image positions included
 * @param imageStart index of the first image position
 * @param imageLength N, the number of image positions
 */
public record PromptTokens(int[] ids, int imageStart, int imageLength) {

    public PromptTokens {
        ids = ids.clone();
        if (imageLength < 0 || imageStart < 0 || imageStart + imageLength > ids.length) {
            throw new IllegalArgumentException("image block [" + imageStart + ", " + (imageStart + imageLength)
                    + ") does not fit a prompt of " + ids.length + " tokens");
        }
    }

    /** A copy of the ids. */
    @Override
    public int[] ids() {
        return ids.clone();
    }

    /** Index of the first text token after the image block ({@code imageStart + imageLength}). */
    public int textAfterImageStart() {
        return imageStart + imageLength;
    }

    /** All positions, image included. */
    public int length() {
        return ids.length;
    }

    /** Positions that are text, not image. */
    public int textLength() {
        return ids.length - imageLength;
    }

    public boolean hasImage() {
        return imageLength > 0;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PromptTokens p
                && Arrays.equals(ids, p.ids)
                && imageStart == p.imageStart
                && imageLength == p.imageLength;
    }

    @Override
    public int hashCode() {
        return 31 * (31 * Arrays.hashCode(ids) + imageStart) + imageLength;
    }

    @Override
    public String toString() {
        return "PromptTokens[length=" + ids.length + ", imageStart=" + imageStart + ", imageLength=" + imageLength
                + ", ids=" + Arrays.toString(ids) + "]";
    }
}
