package org.transprune.config;

import java.util.List;

/**
 * A Qwen2.5-VL model: vision tower, Qwen2 decoder (a LLaMA decoder with q/k/v biases) and the
 * multimodal rotary sections.
 *
 * @param vision the vision tower
 * @param text the Qwen2 decoder's shape
 * @param mropeSection rotary frequencies per position section, temporal/height/width ({@code [16, 24, 24]}):
 *     they sum to half the head width
 * @param imageTokenId {@code <|image_pad|>}, the placeholder image features replace
 * @param visionStartTokenId {@code <|vision_start|>}
 * @param visionEndTokenId {@code <|vision_end|>}
 */
public record QwenConfig(
        QwenVisionConfig vision,
        TextConfig text,
        List<Integer> mropeSection,
        int imageTokenId,
        int visionStartTokenId,
        int visionEndTokenId) {

    /** The special token ids of the released Qwen2.5-VL checkpoints. */
    public static final int IMAGE_PAD = 151655;

    public static final int VISION_START = 151652;
    public static final int VISION_END = 151653;

    public QwenConfig {
        mropeSection = List.copyOf(mropeSection);
        TextConfig.require(mropeSection.size() == 3, "mrope_section must have 3 entries, got " + mropeSection);
        int sum = 0;
        for (int s : mropeSection) {
            TextConfig.require(s >= 0, "mrope_section entries must not be negative: " + mropeSection);
            sum += s;
        }
        TextConfig.require(
                2 * sum == text.headDim(),
                "mrope_section " + mropeSection + " sums to " + sum + ", not half the head width " + text.headDim());
        TextConfig.require(
                vision.outHiddenSize() == text.hiddenSize(),
                "vision out_hidden_size " + vision.outHiddenSize() + " differs from the text hidden_size "
                        + text.hiddenSize());
    }

    /** {@link #mropeSection} as an array. */
    public int[] mropeSections() {
        return mropeSection.stream().mapToInt(Integer::intValue).toArray();
    }
}
