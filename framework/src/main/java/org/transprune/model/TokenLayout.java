package org.transprune.model;

import java.util.Arrays;
import java.util.List;
import org.transprune.image.TokenOrigin;
import org.transprune.image.TokenOrigins;

/**
 * Where things are in the sequence a decoder layer currently processes: the prompt is
 * {@code [text prefix][image block][instruction text]}, and pruning shrinks only the image block.
 *
 * @param length tokens in the current sequence
 * @param imageStart index of the first image token (equal to the prefix length)
 * @param imageLength image tokens still present (0 when the prompt has no image)
 * @param originalIndex for each current token, its index in the original prompt; for an image
 *     token {@code originalIndex[i] - imageStart} is its patch number in the original image block
 */
public record TokenLayout(int length, int imageStart, int imageLength, int[] originalIndex) {

    public TokenLayout {
        if (imageStart < 0 || imageLength < 0 || imageStart + imageLength > length || originalIndex.length != length) {
            throw new IllegalArgumentException("inconsistent layout: length " + length + ", image " + imageStart + "+"
                    + imageLength + ", index map " + originalIndex.length);
        }
    }

    /** The unpruned layout of a prompt. */
    public static TokenLayout initial(int length, int imageStart, int imageLength) {
        int[] idx = new int[length];
        Arrays.setAll(idx, i -> i);
        return new TokenLayout(length, imageStart, imageLength, idx);
    }

    /** First index after the image block: the instruction tokens run from here to the end. */
    public int instructionStart() {
        return imageStart + imageLength;
    }

    /** Number of instruction tokens (text after the image). */
    public int instructionLength() {
        return length - instructionStart();
    }

    /** Original patch numbers (0..N-1) of the image tokens still present, in sequence order. */
    public int[] imagePatches() {
        // The text prefix is never pruned, so the image block starts at the same index as originally.
        int[] p = new int[imageLength];
        for (int i = 0; i < imageLength; i++) {
            p[i] = originalIndex[imageStart + i] - imageStart;
        }
        return p;
    }

    /**
     * Where the image tokens still present came from, in sequence order.
     *
     * @param origins the origins of the original image block (one per original image token)
     * @throws IllegalArgumentException if {@code origins} does not describe this prompt's image block
     */
    public List<TokenOrigin> imageOrigins(TokenOrigins origins) {
        int[] patches = imagePatches();
        for (int p : patches) {
            if (p < 0 || p >= origins.size()) {
                throw new IllegalArgumentException(
                        "image token " + p + " has no origin (" + origins.size() + " origins given)");
            }
        }
        return origins.select(patches);
    }

    /**
     * The layout after keeping {@code keptImage} (indices into the current image block, sorted,
     * unique); text tokens all stay.
     */
    public TokenLayout keep(int[] keptImage) {
        int newLength = length - imageLength + keptImage.length;
        int[] idx = new int[newLength];
        System.arraycopy(originalIndex, 0, idx, 0, imageStart);
        for (int i = 0; i < keptImage.length; i++) {
            idx[imageStart + i] = originalIndex[imageStart + keptImage[i]];
        }
        System.arraycopy(originalIndex, instructionStart(), idx, imageStart + keptImage.length, instructionLength());
        return new TokenLayout(newLength, imageStart, keptImage.length, idx);
    }

    /** Indices into the current sequence of the rows that survive keeping {@code keptImage}. */
    public int[] rowsKept(int[] keptImage) {
        int[] rows = new int[length - imageLength + keptImage.length];
        int r = 0;
        for (int i = 0; i < imageStart; i++) {
            rows[r++] = i;
        }
        for (int k : keptImage) {
            rows[r++] = imageStart + k;
        }
        for (int i = instructionStart(); i < length; i++) {
            rows[r++] = i;
        }
        return rows;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TokenLayout t
                && t.length == length
                && t.imageStart == imageStart
                && t.imageLength == imageLength
                && Arrays.equals(t.originalIndex, originalIndex);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(originalIndex) * 31 + imageLength;
    }

    @Override
    public String toString() {
        return "TokenLayout[length=" + length + ", image=" + imageStart + "+" + imageLength + "]";
    }
}
