package org.transprune.bench.vqa;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The VQA answer normalisation, in the two variants the official evaluators use.
 *
 * <ul>
 *   <li>{@link #vqaEval(String)}: the VQA challenge tool ({@code vqaEval.py}, GT-Vision-Lab/VQA):
 *       replace newline/tab, strip, punctuation, then number words/articles/contractions.</li>
 *   <li>{@link #evalAi(String)}: EvalAI's processor as used by TextVQA's m4c evaluator and by
 *       LLaVA's VQAv2 submission converter: first lower-case, drop {@code ,} and {@code ?} and split
 *       {@code 's} off as {@code  's}, then the same punctuation and digit/article steps.</li>
 * </ul>
 *
 * <p>Both keep the official quirks on purpose, since they change scores: the period regex
 * {@code (?!<=\d)(\.)(?!\d)} is a look-ahead typo (it strips any period not followed by a digit),
 * the period substitution passes {@code re.UNICODE} (= 32) as the replacement count so at most 32
 * periods go, and the contraction table's capitalised keys ("Im", "Ive") never match after
 * lower-casing.
 *
 * <p>Over 400 lines because it carries the official tables verbatim (number words, articles, punctuation
 * and the contraction table, whose ~240 strings the formatter puts one per line); the logic is short.
 */
public final class VqaNormalizer {
    private VqaNormalizer() {}

    static final Map<String, String> NUMBERS = Map.ofEntries(
            Map.entry("none", "0"),
            Map.entry("zero", "0"),
            Map.entry("one", "1"),
            Map.entry("two", "2"),
            Map.entry("three", "3"),
            Map.entry("four", "4"),
            Map.entry("five", "5"),
            Map.entry("six", "6"),
            Map.entry("seven", "7"),
            Map.entry("eight", "8"),
            Map.entry("nine", "9"),
            Map.entry("ten", "10"));

    static final Set<String> ARTICLES = Set.of("a", "an", "the");

    /** Punctuation in the official order (order matters only for what the checks see). */
    static final List<String> PUNCTUATION = List.of(
            ";", "/", "[", "]", "\"", "{", "}", "(", ")", "=", "+", "\\", "_", "-", ">", "<", "@", "`", ",", "?", "!");

    /** Official typo kept: {@code (?!<=\d)} is a look-ahead, not a look-behind. */
    static final Pattern PERIOD_STRIP = Pattern.compile("(?!<=\\d)(\\.)(?!\\d)");

    /** vqaEval.py's comma test. */
    static final Pattern COMMA_STRIP_VQA = Pattern.compile("(\\d)(,)(\\d)");

    /** m4c's comma test (never matches there: commas are already gone). */
    static final Pattern COMMA_STRIP_M4C = Pattern.compile("(?<=\\d)(,)+(?=\\d)");

    /** Python's {@code re.sub(..., count=re.UNICODE)}: the flag value 32 used as a count. */
    static final int PERIOD_REPLACEMENTS = 32;

    static final Map<String, String> CONTRACTIONS = contractions();

    /** Answer processing of the official VQA evaluator ({@code vqaEval.py}) for model answers. */
    public static String vqaEval(String answer) {
        String s = pyStrip(answer.replace('\n', ' ').replace('\t', ' '));
        return processDigitArticle(processPunctuation(s, COMMA_STRIP_VQA));
    }

    /** EvalAI / m4c answer processing (TextVQA scoring, VQAv2 submission files). */
    public static String evalAi(String answer) {
        String s = answer.toLowerCase(Locale.ROOT);
        s = pyStrip(s.replace(",", "").replace("?", "").replace("'s", " 's"));
        s = pyStrip(s.replace('\n', ' ').replace('\t', ' '));
        s = processPunctuation(s, COMMA_STRIP_M4C);
        return processDigitArticle(s);
    }

    /**
     * Removes punctuation: a mark is deleted when it touches a space somewhere in the text or the
     * text has a digit-comma-digit; otherwise it becomes a space. Then periods not followed by a
     * digit are removed (at most 32).
     */
    public static String processPunctuation(String in, Pattern commaStrip) {
        String out = in;
        boolean digitComma = commaStrip.matcher(in).find();
        for (String p : PUNCTUATION) {
            // The official test looks at the original text, not the text being rewritten.
            if (in.contains(p + " ") || in.contains(" " + p) || digitComma) {
                out = out.replace(p, "");
            } else {
                out = out.replace(p, " ");
            }
        }
        Matcher m = PERIOD_STRIP.matcher(out);
        StringBuilder sb = new StringBuilder();
        int n = 0;
        while (n < PERIOD_REPLACEMENTS && m.find()) {
            m.appendReplacement(sb, "");
            n++;
        }
        m.appendTail(sb);
        return sb.toString();
    }

    /** Lower-case, number words to digits, drop articles, restore apostrophes of contractions. */
    public static String processDigitArticle(String in) {
        List<String> words = new ArrayList<>();
        for (String w : pySplit(in.toLowerCase(Locale.ROOT))) {
            w = NUMBERS.getOrDefault(w, w);
            if (!ARTICLES.contains(w)) {
                words.add(CONTRACTIONS.getOrDefault(w, w));
            }
        }
        return String.join(" ", words);
    }

    /** Python's whitespace set for {@code str.split()} / {@code str.strip()}. */
    static boolean pyWhitespace(char c) {
        return c == ' '
                || (c >= '\t' && c <= '\r')
                || (c >= '\u001c' && c <= '\u001f')
                || c == '\u0085'
                || c == '\u00a0'
                || c == '\u1680'
                || (c >= '\u2000' && c <= '\u200a')
                || c == '\u2028'
                || c == '\u2029'
                || c == '\u202f'
                || c == '\u205f'
                || c == '\u3000';
    }

    /** Python's {@code str.strip()}. */
    public static String pyStrip(String s) {
        int a = 0;
        int b = s.length();
        while (a < b && pyWhitespace(s.charAt(a))) {
            a++;
        }
        while (b > a && pyWhitespace(s.charAt(b - 1))) {
            b--;
        }
        return s.substring(a, b);
    }

    /** Python's {@code str.split()} (runs of whitespace, no empty pieces). */
    static List<String> pySplit(String s) {
        List<String> out = new ArrayList<>();
        int i = 0;
        int n = s.length();
        while (i < n) {
            while (i < n && pyWhitespace(s.charAt(i))) {
                i++;
            }
            int start = i;
            while (i < n && !pyWhitespace(s.charAt(i))) {
                i++;
            }
            if (i > start) {
                out.add(s.substring(start, i));
            }
        }
        return out;
    }

    private static Map<String, String> contractions() {
        String[] kv = {
            "aint",
            "ain't",
            "arent",
            "aren't",
            "cant",
            "can't",
            "couldve",
            "could've",
            "couldnt",
            "couldn't",
            "couldn'tve",
            "couldn't've",
            "couldnt've",
            "couldn't've",
            "didnt",
            "didn't",
            "doesnt",
            "doesn't",
            "dont",
            "don't",
            "hadnt",
            "hadn't",
            "hadnt've",
            "hadn't've",
            "hadn'tve",
            "hadn't've",
            "hasnt",
            "hasn't",
            "havent",
            "haven't",
            "hed",
            "he'd",
            "hed've",
            "he'd've",
            "he'dve",
            "he'd've",
            "hes",
            "he's",
            "howd",
            "how'd",
            "howll",
            "how'll",
            "hows",
            "how's",
            "Id've",
            "I'd've",
            "I'dve",
            "I'd've",
            "Im",
            "I'm",
            "Ive",
            "I've",
            "isnt",
            "isn't",
            "itd",
            "it'd",
            "itd've",
            "it'd've",
            "it'dve",
            "it'd've",
            "itll",
            "it'll",
            "let's",
            "let's",
            "maam",
            "ma'am",
            "mightnt",
            "mightn't",
            "mightnt've",
            "mightn't've",
            "mightn'tve",
            "mightn't've",
            "mightve",
            "might've",
            "mustnt",
            "mustn't",
            "mustve",
            "must've",
            "neednt",
            "needn't",
            "notve",
            "not've",
            "oclock",
            "o'clock",
            "oughtnt",
            "oughtn't",
            "ow's'at",
            "'ow's'at",
            "'ows'at",
            "'ow's'at",
            "'ow'sat",
            "'ow's'at",
            "shant",
            "shan't",
            "shed've",
            "she'd've",
            "she'dve",
            "she'd've",
            "she's",
            "she's",
            "shouldve",
            "should've",
            "shouldnt",
            "shouldn't",
            "shouldnt've",
            "shouldn't've",
            "shouldn'tve",
            "shouldn't've",
            "somebody'd",
            "somebodyd",
            "somebodyd've",
            "somebody'd've",
            "somebody'dve",
            "somebody'd've",
            "somebodyll",
            "somebody'll",
            "somebodys",
            "somebody's",
            "someoned",
            "someone'd",
            "someoned've",
            "someone'd've",
            "someone'dve",
            "someone'd've",
            "someonell",
            "someone'll",
            "someones",
            "someone's",
            "somethingd",
            "something'd",
            "somethingd've",
            "something'd've",
            "something'dve",
            "something'd've",
            "somethingll",
            "something'll",
            "thats",
            "that's",
            "thered",
            "there'd",
            "thered've",
            "there'd've",
            "there'dve",
            "there'd've",
            "therere",
            "there're",
            "theres",
            "there's",
            "theyd",
            "they'd",
            "theyd've",
            "they'd've",
            "they'dve",
            "they'd've",
            "theyll",
            "they'll",
            "theyre",
            "they're",
            "theyve",
            "they've",
            "twas",
            "'twas",
            "wasnt",
            "wasn't",
            "wed've",
            "we'd've",
            "we'dve",
            "we'd've",
            "weve",
            "we've",
            "werent",
            "weren't",
            "whatll",
            "what'll",
            "whatre",
            "what're",
            "whats",
            "what's",
            "whatve",
            "what've",
            "whens",
            "when's",
            "whered",
            "where'd",
            "wheres",
            "where's",
            "whereve",
            "where've",
            "whod",
            "who'd",
            "whod've",
            "who'd've",
            "who'dve",
            "who'd've",
            "wholl",
            "who'll",
            "whos",
            "who's",
            "whove",
            "who've",
            "whyll",
            "why'll",
            "whyre",
            "why're",
            "whys",
            "why's",
            "wont",
            "won't",
            "wouldve",
            "would've",
            "wouldnt",
            "wouldn't",
            "wouldnt've",
            "wouldn't've",
            "wouldn'tve",
            "wouldn't've",
            "yall",
            "y'all",
            "yall'll",
            "y'all'll",
            "y'allll",
            "y'all'll",
            "yall'd've",
            "y'all'd've",
            "y'alld've",
            "y'all'd've",
            "y'all'dve",
            "y'all'd've",
            "youd",
            "you'd",
            "youd've",
            "you'd've",
            "you'dve",
            "you'd've",
            "youll",
            "you'll",
            "youre",
            "you're",
            "youve",
            "you've",
        };
        HashMap<String, String> m = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return Map.copyOf(m);
    }
}
