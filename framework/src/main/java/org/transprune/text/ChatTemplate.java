package org.transprune.text;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The single-turn conversation templates of the LLaVA code base ({@code llava/conversation.py}),
 * rendered exactly as {@code Conversation.get_prompt()} renders one user message followed by an
 * empty assistant turn, with the user message {@code "<image>\n" + question} when there is an image
 * (what LLaVA's evaluation scripts build).
 */
public enum ChatTemplate {
    /**
     * {@code conv_vicuna_v1}, LLaVA-1.5's evaluation default ({@code --conv-mode vicuna_v1}):
     * {@code "<system> USER: <image>\n{question} ASSISTANT:"}. Note the system text says
     * "curious user" / "user's questions"; the "human" wording belongs to {@link #LLAVA_V1}.
     */
    VICUNA_V1(
            "vicuna_v1",
            Style.TWO,
            "A chat between a curious user and an artificial intelligence assistant. "
                    + "The assistant gives helpful, detailed, and polite answers to the user's questions."),
    /** {@code conv_llava_v1}: as {@link #VICUNA_V1} with the "curious human" system text. */
    LLAVA_V1(
            "llava_v1",
            Style.TWO,
            "A chat between a curious human and an artificial intelligence assistant. "
                    + "The assistant gives helpful, detailed, and polite answers to the human's questions."),
    /** {@code conv_llava_plain}: no system, no roles, {@code "<image>\n{question}\n"}. */
    PLAIN("plain", Style.PLAIN, ""),
    /** {@code conv_llava_llama_2}: {@code "[INST] <<SYS>>\n<system>\n<</SYS>>\n\n<image>\n{question} [/INST]"}. */
    LLAVA_LLAMA_2(
            "llava_llama_2",
            Style.LLAMA_2,
            "You are a helpful language and vision assistant. "
                    + "You are able to understand the visual content that the user provides, "
                    + "and assist the user with a variety of tasks using natural language."),
    /** {@code conv_mistral_instruct} (LLaVA-1.6 Mistral): {@code "[INST] <image>\n{question} [/INST]"}. */
    MISTRAL_INSTRUCT("mistral_instruct", Style.LLAMA_2, "");

    /** The text that marks where the image goes. */
    public static final String IMAGE_PLACEHOLDER = "<image>";

    private enum Style {
        TWO,
        PLAIN,
        LLAMA_2
    }

    private final String id;
    private final Style style;
    private final String system;

    ChatTemplate(String id, Style style, String system) {
        this.id = id;
        this.style = style;
        this.system = system;
    }

    /** The name LLaVA's {@code conv_templates} uses (the {@code --conv-mode} value). */
    public String id() {
        return id;
    }

    /** The system text, empty when the template has none. */
    public String system() {
        return system;
    }

    /**
     * Looks a template up by its LLaVA name ({@code vicuna_v1}, {@code v1}, {@code llava_v1},
     * {@code plain}, {@code llava_llama_2}, {@code mistral_instruct}).
     *
     * @throws IllegalArgumentException listing the known names
     */
    public static ChatTemplate named(String name) {
        String key = name.trim().toLowerCase(Locale.ROOT);
        if ("v1".equals(key)) {
            return VICUNA_V1; // conv_templates maps "v1" to conv_vicuna_v1 as well
        }
        for (ChatTemplate t : values()) {
            if (t.id.equals(key)) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown conversation template '" + name + "' (known: "
                + Arrays.stream(values()).map(ChatTemplate::id).collect(Collectors.joining(", ")) + ")");
    }

    /**
     * The full prompt for one question, ending where the assistant's answer starts.
     *
     * @param question the user's text, used as given
     * @param withImage put {@code "<image>\n"} before the question
     * @return the prompt text
     */
    public String render(String question, boolean withImage) {
        String message = withImage ? IMAGE_PLACEHOLDER + "\n" + question : question;
        switch (style) {
            case TWO:
                // system + sep, then "ROLE: message" + sep, then "ROLE:" for the empty turn (sep = " ")
                return system + " " + "USER: " + message + " " + "ASSISTANT:";
            case PLAIN:
                // system (empty) + message + sep ("\n"); the empty assistant turn adds nothing
                return system + message + "\n";
            case LLAMA_2:
                // wrap_sys is skipped for an empty system; the leading "<s>" sep is stripped by lstrip
                String sys = system.isEmpty() ? "" : "<<SYS>>\n" + system + "\n<</SYS>>\n\n";
                return "[INST] " + sys + message + " [/INST]";
            default:
                throw new AssertionError(style);
        }
    }
}
