package org.transprune.image;

import java.util.Locale;

/**
 * The two readings of LLaVA-NeXT's AnyRes rules, which pick different grids and unpad differently
 * for some images (see docs/llava-next.md).
 *
 * <ul>
 *   <li>{@link #HF}: Hugging Face's {@code LlavaNextImageProcessor} and {@code modeling_llava_next}:
 *       a pinpoint {@code [a, b]} is (height a, width b); unpadding rounds the scaled side to 7
 *       decimals before truncating it.</li>
 *   <li>{@link #LLAVA}: the original LLaVA code ({@code llava/mm_utils.py}, {@code llava_arch.py}):
 *       a pinpoint {@code [a, b]} is (width a, height b); unpadding truncates the scaled side as is.</li>
 * </ul>
 */
public enum AnyResRules {
    HF("hf"),
    LLAVA("llava");

    private final String key;

    AnyResRules(String key) {
        this.key = key;
    }

    /** The name used in configuration and provenance: {@code hf} or {@code llava}. */
    public String key() {
        return key;
    }

    /**
     * The rule set called {@code name} ({@code hf} or {@code llava}, case-insensitive).
     *
     * @throws IllegalArgumentException naming both choices otherwise
     */
    public static AnyResRules parse(String name) {
        String n = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
        for (AnyResRules r : values()) {
            if (r.key.equals(n)) {
                return r;
            }
        }
        throw new IllegalArgumentException("unknown anyres rule set '" + name + "' (expected hf or llava)");
    }

    /** The pinpoint {@code [a, b]} as it is read under these rules, as {@code {width, height}}. */
    public int[] widthHeight(int[] pinpoint) {
        return this == HF ? new int[] {pinpoint[1], pinpoint[0]} : new int[] {pinpoint[0], pinpoint[1]};
    }

    /** Whether unpadding rounds the scaled side to 7 decimals before truncating (Hugging Face). */
    public boolean roundsBeforeTruncating() {
        return this == HF;
    }

    @Override
    public String toString() {
        return key;
    }
}
