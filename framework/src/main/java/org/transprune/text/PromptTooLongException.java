package org.transprune.text;

/** A prompt and the tokens to be generated do not fit the model's context; the message gives the counts. */
public class PromptTooLongException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final int promptTokens;
    private final int maxNewTokens;
    private final int maxContext;

    public PromptTooLongException(int textTokens, int imageTokens, int maxNewTokens, int maxContext) {
        super("prompt too long: " + textTokens + " text tokens + " + imageTokens + " image tokens + "
                + maxNewTokens + " new tokens = " + (textTokens + imageTokens + maxNewTokens)
                + ", more than the model's context of " + maxContext);
        this.promptTokens = textTokens + imageTokens;
        this.maxNewTokens = maxNewTokens;
        this.maxContext = maxContext;
    }

    /** Prompt positions, image included. */
    public int promptTokens() {
        return promptTokens;
    }

    public int maxNewTokens() {
        return maxNewTokens;
    }

    public int maxContext() {
        return maxContext;
    }
}
