package org.transprune.bench.choice;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The rules official evaluators use to read an option letter out of a model answer. They differ
 * and each benchmark uses its own, because they give different scores on the same text.
 */
public final class OptionLetters {
    private OptionLetters() {}

    /** ScienceQA's letters ({@code eval_science_qa.py} default options). */
    public static final List<String> SQA_OPTIONS = List.of("A", "B", "C", "D", "E");

    private static final Pattern SQA_ANSWER_IS = Pattern.compile("The answer is ([A-Z]).");

    /**
     * LLaVA's {@code eval_science_qa.py}: the text itself if it is one of A-E; else its first
     * character when the text is at least 3 long and continues with ". "; else X when
     * "The answer is X." occurs exactly once. Strict on purpose: "(B)", "B." and "b" give null
     * (FAILED), which the official script scores as wrong.
     */
    public static String scienceQa(String text) {
        if (SQA_OPTIONS.contains(text)) {
            return text;
        }
        if (text.length() >= 3 && SQA_OPTIONS.contains(text.substring(0, 1)) && text.startsWith(". ", 1)) {
            return text.substring(0, 1);
        }
        Matcher m = SQA_ANSWER_IS.matcher(text);
        List<String> found = new ArrayList<>();
        while (m.find()) {
            found.add(m.group(1));
        }
        return found.size() == 1 ? found.get(0) : null;
    }

    /** VLMEvalKit's answers that count as a refusal (extracted as "Z", never correct). */
    private static final List<String> REFUSALS = List.of(
            "Sorry, I can't help with images of people yet.",
            "I can't process this file.",
            "I'm sorry, but without the image provided",
            "Cannot determine the answer");

    /** Letter meaning "none of the options" in VLMEvalKit. */
    public static final String NONE = "Z";

    /**
     * VLMEvalKit's rule-based matching ({@code can_infer}: {@code can_infer_option}, then
     * {@code can_infer_text}), the exact-matching judge of the MMBench evaluation, as in VLMEvalKit
     * v0.2 (tag {@code v0.2}, commit e4e0263, {@code vlmeval/utils/matching_util.py}; the functions
     * are unchanged from v0.1 up to commit c3371551 of 2025-08-04) run with its default settings
     * ({@code VERBOSE} unset). Returns a letter of {@code choices}, {@link #NONE} for a refusal, or
     * null when nothing can be inferred (the official tool would then ask an LLM judge; without one
     * the answer is wrong).
     *
     * @param choices option letter to option text, in letter order
     */
    public static String vlmEvalKit(String answer, Map<String, String> choices) {
        String byLetter = inferOption(answer, choices.keySet().stream().toList());
        if (byLetter != null) {
            return byLetter;
        }
        return inferText(answer, choices);
    }

    /**
     * {@code can_infer_option}: punctuation {@code .()[],:;!*#{}} becomes spaces and the text is split
     * on whitespace as Python's {@code str.split()} does; if exactly one option letter appears as a
     * word it is the answer ("The answer is A", "A. I think so" and "A bird" all give A: only
     * VLMEvalKit's verbose mode takes a lone "A" in a longer answer for the article). Case-sensitive:
     * "b" is not B.
     */
    static String inferOption(String answer, List<String> letters) {
        if (answer.contains("Failed to obtain answer via API")) {
            return null;
        }
        for (String r : REFUSALS) {
            if (answer.contains(r)) {
                return NONE;
            }
        }
        String mod = answer;
        for (char c : ".()[],:;!*#{}".toCharArray()) {
            mod = mod.replace(c, ' ');
        }
        List<String> words = pythonSplit(mod);
        int count = 0;
        for (String l : letters) {
            if (words.contains(l)) {
                count++;
            }
        }
        if (count == 1) {
            for (String l : letters) {
                if (words.contains(l)) {
                    return l;
                }
            }
        } else if (count == 0 && words.contains(NONE)) {
            return NONE;
        }
        return null;
    }

    /**
     * Python's {@code str.split()} without arguments: runs of whitespace as {@code str.isspace()}
     * defines it separate the words, and leading or trailing whitespace gives no empty word.
     */
    public static List<String> pythonSplit(String s) {
        List<String> out = new ArrayList<>();
        int start = -1;
        for (int i = 0; i < s.length(); i++) {
            if (isPythonSpace(s.charAt(i))) {
                if (start >= 0) {
                    out.add(s.substring(start, i));
                    start = -1;
                }
            } else if (start < 0) {
                start = i;
            }
        }
        if (start >= 0) {
            out.add(s.substring(start));
        }
        return out;
    }

    /**
     * Python 3's {@code str.isspace()} for one character: tab, line feed, vertical tab, form feed,
     * carriage return, the separators U+001C-U+001F, space, U+0085, U+00A0, U+1680,
     * U+2000-U+200A, U+2028, U+2029, U+202F, U+205F and U+3000 (no supplementary character is
     * whitespace, so UTF-16 units suffice).
     */
    public static boolean isPythonSpace(char c) {
        return (c >= 0x09 && c <= 0x0D)
                || (c >= 0x1C && c <= 0x20)
                || c == 0x85
                || c == 0xA0
                || c == 0x1680
                || (c >= 0x2000 && c <= 0x200A)
                || c == 0x2028
                || c == 0x2029
                || c == 0x202F
                || c == 0x205F
                || c == 0x3000;
    }

    /** {@code can_infer_text}: the one option whose text (lower case) occurs in the answer. */
    static String inferText(String answer, Map<String, String> choices) {
        String low = answer.toLowerCase(Locale.ROOT);
        String hit = null;
        int hits = 0;
        for (Map.Entry<String, String> e : choices.entrySet()) {
            if (low.contains(e.getValue().toLowerCase(Locale.ROOT))) {
                hit = e.getKey();
                hits++;
            }
        }
        return hits == 1 ? hit : null;
    }
}
