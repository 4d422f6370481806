package org.transprune.text;

import java.util.Arrays;
import java.util.regex.Pattern;

/**
 * Turns a question into prompt token ids the way LLaVA's {@code tokenizer_image_token} does: the
 * rendered prompt is split on {@code <image>}, each piece is tokenized on its own (BOS only in
 * front of the first piece), and N image positions go where the placeholder was.
 *
 * <p>Tokenizing the pieces separately matters for SentencePiece/LLaMA tokenizers: the piece after
 * the image starts a new text, so it gets the tokenizer's leading-space token ({@code "▁"}, id
 * 29871 in LLaMA) before its {@code "\n"}, exactly as in LLaVA, where each piece is encoded with
 * BOS and the BOS of every later piece is dropped.
 */
public final class PromptEncoder {

    private static final Pattern SPLIT = Pattern.compile(Pattern.quote(ChatTemplate.IMAGE_PLACEHOLDER));

    private PromptEncoder() {}

    /** As {@link #encode(Tokenizer, ChatTemplate, String, int, int, int)} with no new tokens to reserve. */
    public static PromptTokens encode(
            Tokenizer tokenizer, ChatTemplate template, String question, int imageTokens, int maxContext) {
        return encode(tokenizer, template, question, imageTokens, maxContext, 0);
    }

    /**
     * Renders the question with the template and encodes it.
     *
     * @param imageTokens N image positions; 0 renders the prompt without an image
     * @param maxContext the model's context length (max_position_embeddings)
     * @param maxNewTokens tokens that generation may add; the prompt plus these must fit the context
     * @throws PromptTooLongException when they do not fit
     * @throws IllegalArgumentException when the question itself holds an {@code <image>} placeholder
     */
    public static PromptTokens encode(
            Tokenizer tokenizer,
            ChatTemplate template,
            String question,
            int imageTokens,
            int maxContext,
            int maxNewTokens) {
        if (imageTokens < 0) {
            throw new IllegalArgumentException("imageTokens must not be negative: " + imageTokens);
        }
        String prompt = template.render(question, imageTokens > 0);
        return encodePrompt(tokenizer, prompt, imageTokens, maxContext, maxNewTokens, defaultPlaceholder(tokenizer));
    }

    /**
     * Encodes an already rendered prompt.
     *
     * @param prompt the prompt text, with one {@code <image>} or none
     * @param imageTokens N; must be positive when the prompt has {@code <image>}, 0 when it has not
     * @param maxContext the model's context length
     * @param maxNewTokens tokens that generation may add
     * @param placeholderId id written at the image positions
     * @throws PromptTooLongException when the prompt plus the new tokens exceed the context
     * @throws IllegalArgumentException for several placeholders or an N that does not match
     */
    public static PromptTokens encodePrompt(
            Tokenizer tokenizer, String prompt, int imageTokens, int maxContext, int maxNewTokens, int placeholderId) {
        // limit -1 keeps empty pieces, as Python's str.split does ("<image>\n..." gives "" first)
        String[] pieces = SPLIT.split(prompt, -1);
        if (pieces.length > 2) {
            throw new IllegalArgumentException("the prompt has " + (pieces.length - 1)
                    + " <image> placeholders; exactly one image per prompt is supported");
        }
        boolean withImage = pieces.length == 2;
        if (withImage && imageTokens <= 0) {
            throw new IllegalArgumentException(
                    "the prompt has an <image> placeholder but imageTokens is " + imageTokens);
        }
        if (!withImage && imageTokens != 0) {
            throw new IllegalArgumentException(
                    "imageTokens is " + imageTokens + " but the prompt has no <image> placeholder");
        }
        int[] before = tokenizer.encode(pieces[0], tokenizer.addsBosByDefault());
        int[] after = withImage ? tokenizer.encode(pieces[1], false) : new int[0];
        int textTokens = before.length + after.length;
        if (textTokens + imageTokens + maxNewTokens > maxContext) {
            throw new PromptTooLongException(textTokens, imageTokens, maxNewTokens, maxContext);
        }
        int[] ids = new int[textTokens + imageTokens];
        System.arraycopy(before, 0, ids, 0, before.length);
        Arrays.fill(ids, before.length, before.length + imageTokens, placeholderId);
        System.arraycopy(after, 0, ids, before.length + imageTokens, after.length);
        return new PromptTokens(ids, before.length, imageTokens);
    }

    /** The tokenizer's own {@code <image>} id when it has one, else 0 (LLaMA's {@code <unk>}). */
    public static int defaultPlaceholder(Tokenizer tokenizer) {
        return tokenizer.tokenId(ChatTemplate.IMAGE_PLACEHOLDER).orElse(0);
    }
}
