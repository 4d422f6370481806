package org.transprune.text;

import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Qwen2.5-VL's chat format (the checkpoints' {@code chat_template} for one user turn with the image first,
 * default system message, generation prompt added) and its encoding: the text around the image is tokenized
 * without a BOS (Qwen has none), and the single {@code <|image_pad|>} between {@code <|vision_start|>} and
 * {@code <|vision_end|>} becomes one pad token per image token, as {@code Qwen2_5_VLProcessor} expands it.
 * Generation stops on {@code <|im_end|>} (and {@code <|endoftext|>}, the other id of the checkpoints'
 * {@code generation_config.json}).
 */
public final class QwenPrompt {
    public static final String IM_START = "<|im_start|>";
    public static final String IM_END = "<|im_end|>";
    public static final String END_OF_TEXT = "<|endoftext|>";
    public static final String VISION_START = "<|vision_start|>";
    public static final String VISION_END = "<|vision_end|>";
    public static final String IMAGE_PAD = "<|image_pad|>";
    /** The system message the template adds when the conversation has none. */
    public static final String DEFAULT_SYSTEM = "You are a helpful assistant.";

    private QwenPrompt() {}

    /** The prompt text up to where the assistant's answer starts, with one {@code <|image_pad|>} for the image. */
    public static String render(String question, boolean withImage) {
        return IM_START + "system\n" + DEFAULT_SYSTEM + IM_END + "\n"
                + IM_START + "user\n" + (withImage ? VISION_START + IMAGE_PAD + VISION_END : "") + question + IM_END
                + "\n" + IM_START + "assistant\n";
    }

    /**
     * Encodes a question.
     *
     * @param imageTokens image tokens of the image (merged 2x2 patches); 0 for a text-only prompt
     * @param maxContext the model's context
     * @param maxNewTokens tokens generation may add
     * @throws IllegalArgumentException when the tokenizer lacks the Qwen special tokens or the question holds one
     * @throws PromptTooLongException when the prompt and the new tokens exceed the context
     */
    public static PromptTokens encode(
            Tokenizer tokenizer, String question, int imageTokens, int maxContext, int maxNewTokens) {
        if (imageTokens < 0) {
            throw new IllegalArgumentException("imageTokens must not be negative: " + imageTokens);
        }
        for (String special : new String[] {IM_START, IM_END, VISION_START, VISION_END, IMAGE_PAD}) {
            if (tokenizer.tokenId(special).isEmpty()) {
                throw new IllegalArgumentException(
                        tokenizer.file() + ": no token " + special + " (not a Qwen2.5-VL tokenizer)");
            }
            if (question.contains(special)) {
                throw new IllegalArgumentException("the question holds the special token " + special);
            }
        }
        int pad = tokenizer.tokenId(IMAGE_PAD).getAsInt();
        String prompt = render(question, imageTokens > 0);
        int split = prompt.indexOf(IMAGE_PAD);
        int[] before = tokenizer.encode(split < 0 ? prompt : prompt.substring(0, split), false);
        int[] after = split < 0 ? new int[0] : tokenizer.encode(prompt.substring(split + IMAGE_PAD.length()), false);
        if (before.length + after.length + imageTokens + maxNewTokens > maxContext) {
            throw new PromptTooLongException(before.length + after.length, imageTokens, maxNewTokens, maxContext);
        }
        int[] ids = new int[before.length + imageTokens + after.length];
        System.arraycopy(before, 0, ids, 0, before.length);
        java.util.Arrays.fill(ids, before.length, before.length + imageTokens, pad);
        System.arraycopy(after, 0, ids, before.length + imageTokens, after.length);
        return new PromptTokens(ids, before.length, imageTokens);
    }

    /** The ids generation stops on: {@code <|im_end|>}, {@code <|endoftext|>} and the tokenizer's EOS, those it has. */
    public static Set<Integer> stopTokens(Tokenizer tokenizer) {
        Set<Integer> stop = new LinkedHashSet<>();
        tokenizer.tokenId(IM_END).ifPresent(stop::add);
        tokenizer.tokenId(END_OF_TEXT).ifPresent(stop::add);
        tokenizer.eosId().ifPresent(stop::add);
        return stop;
    }
}
