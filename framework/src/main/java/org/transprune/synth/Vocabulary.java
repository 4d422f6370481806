package org.transprune.synth;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The complete word list of the benchmark, for building a word-level tokenizer: every token any
 * question or answer can contain, plus the tokens of LLaVA's short-answer suffix. Chat-template
 * markers ({@code USER:}, {@code <image>}, ...) are the tokenizer's business and are not included.
 */
public final class Vocabulary {
    /** LLaVA-1.5's instruction for single-word benchmarks, appended on a new line after the question. */
    public static final String LLAVA_SHORT_ANSWER_SUFFIX = "Answer the question using a single word or phrase.";

    private static final String PUNCTUATION = ".,?!:;";

    private Vocabulary() {}

    /**
     * Splits text into tokens: at whitespace, with each punctuation character ({@value #PUNCTUATION})
     * a token of its own. Case is kept, so the suffix contributes {@code Answer}.
     */
    public static List<String> tokens(String text) {
        List<String> out = new ArrayList<>();
        for (String piece : text.trim().split("\\s+")) {
            StringBuilder word = new StringBuilder();
            for (int i = 0; i < piece.length(); i++) {
                char ch = piece.charAt(i);
                if (PUNCTUATION.indexOf(ch) >= 0) {
                    if (word.length() > 0) {
                        out.add(word.toString());
                        word.setLength(0);
                    }
                    out.add(String.valueOf(ch));
                } else {
                    word.append(ch);
                }
            }
            if (word.length() > 0) {
                out.add(word.toString());
            }
        }
        return out;
    }

    /**
     * Every token of every question and answer the generator can produce and of
     * {@link #LLAVA_SHORT_ANSWER_SUFFIX}, without duplicates, in a fixed order.
     */
    public static List<String> words() {
        Set<String> words = new LinkedHashSet<>();
        // Question templates, in the order SceneQuestions writes them.
        words.addAll(tokens("is there a an ? what color is the how many shapes are there"));
        words.addAll(tokens("on the left or right at top bottom of above below"));
        for (ShapeKind k : ShapeKind.values()) {
            words.add(k.word());
            words.add(k.plural());
        }
        for (ShapeColor c : ShapeColor.values()) {
            words.add(c.word());
        }
        for (QuestionType t : QuestionType.values()) {
            words.addAll(t.answers());
        }
        words.addAll(tokens(LLAVA_SHORT_ANSWER_SUFFIX));
        return List.copyOf(words);
    }
}
