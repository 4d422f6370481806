package org.transprune.text;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Writes a word-level Hugging Face tokenizer ({@code tokenizer.json}, {@code tokenizer_config.json},
 * {@code special_tokens_map.json}) from a vocabulary list, for the micro model and test checkpoints.
 *
 * <p>Ids: {@code <unk>}=0, {@code <s>}=1, {@code </s>}=2, {@code <pad>}=3, {@code <image>}=4 (all
 * special), then the words in list order. Text is split on whitespace and, by default, punctuation
 * is split from words ({@code "circle?"} gives {@code circle ?}); unknown words become {@code <unk>}.
 * With special tokens on, the post-processor puts {@code <s>} first. Decoding joins tokens with
 * spaces (a tokenizer without a decoder does that).
 */
public final class WordLevelTokenizerWriter {

    /** The special tokens, in id order. */
    public static final List<String> SPECIAL_TOKENS = List.of("<unk>", "<s>", "</s>", "<pad>", "<image>");

    // The Rust "Whitespace" pre-tokenizer splits on \w+|[^\w\s]+ with Unicode classes.
    private static final Pattern WORD = Pattern.compile("\\w+", Pattern.UNICODE_CHARACTER_CLASS);
    private static final Pattern PUNCT = Pattern.compile("[^\\w\\s]+", Pattern.UNICODE_CHARACTER_CLASS);
    private static final Pattern NO_SPACE = Pattern.compile("\\S+", Pattern.UNICODE_CHARACTER_CLASS);

    private boolean splitPunctuation = true;
    private boolean lowercase = false;
    private int modelMaxLength = 2048;

    /** Split punctuation from words ({@code Whitespace}); false splits on whitespace only ({@code WhitespaceSplit}). */
    public WordLevelTokenizerWriter splitPunctuation(boolean split) {
        this.splitPunctuation = split;
        return this;
    }

    /** Lower-case the text before looking words up (a {@code Lowercase} normalizer). */
    public WordLevelTokenizerWriter lowercase(boolean lower) {
        this.lowercase = lower;
        return this;
    }

    /** The {@code model_max_length} written to tokenizer_config.json. */
    public WordLevelTokenizerWriter modelMaxLength(int length) {
        if (length <= 0) {
            throw new IllegalArgumentException("model_max_length must be positive: " + length);
        }
        this.modelMaxLength = length;
        return this;
    }

    /**
     * Writes the three files into a directory (created if needed).
     *
     * @param dir the target directory
     * @param words the vocabulary after the special tokens, without duplicates; each must be one
     *     token under the chosen splitting rule
     * @return the path of tokenizer.json
     * @throws IllegalArgumentException for a duplicate or a word the pre-tokenizer would split
     */
    public Path write(Path dir, List<String> words) throws IOException {
        Map<String, Integer> vocab = new LinkedHashMap<>();
        for (String special : SPECIAL_TOKENS) {
            vocab.put(special, vocab.size());
        }
        for (String word : words) {
            check(word);
            if (vocab.putIfAbsent(word, vocab.size()) != null) {
                throw new IllegalArgumentException("word '" + word + "' appears twice in the vocabulary"
                        + (SPECIAL_TOKENS.contains(word) ? " (it is a special token)" : ""));
            }
        }
        Files.createDirectories(dir);
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        Path tokenizerJson = dir.resolve("tokenizer.json");
        json.writeValue(tokenizerJson.toFile(), tokenizerJson(vocab));
        json.writeValue(dir.resolve("tokenizer_config.json").toFile(), tokenizerConfig());
        json.writeValue(dir.resolve("special_tokens_map.json").toFile(), specialTokensMap());
        return tokenizerJson;
    }

    private void check(String word) {
        boolean single = splitPunctuation
                ? WORD.matcher(word).matches() || PUNCT.matcher(word).matches()
                : NO_SPACE.matcher(word).matches();
        if (!single) {
            throw new IllegalArgumentException("vocabulary word '" + word + "' can never be produced: the "
                    + (splitPunctuation ? "Whitespace" : "WhitespaceSplit") + " pre-tokenizer splits it");
        }
        if (lowercase && !word.equals(word.toLowerCase(Locale.ROOT))) {
            throw new IllegalArgumentException(
                    "vocabulary word '" + word + "' has capitals but the tokenizer lower-cases its input");
        }
    }

    private Map<String, Object> tokenizerJson(Map<String, Integer> vocab) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("version", "1.0");
        root.put("truncation", null);
        root.put("padding", null);
        List<Map<String, Object>> added = new ArrayList<>();
        for (String special : SPECIAL_TOKENS) {
            Map<String, Object> token = new LinkedHashMap<>();
            token.put("id", vocab.get(special));
            token.put("content", special);
            token.put("single_word", false);
            token.put("lstrip", false);
            token.put("rstrip", false);
            token.put("normalized", false);
            token.put("special", true);
            added.add(token);
        }
        root.put("added_tokens", added);
        root.put("normalizer", lowercase ? Map.of("type", "Lowercase") : null);
        root.put("pre_tokenizer", Map.of("type", splitPunctuation ? "Whitespace" : "WhitespaceSplit"));
        root.put("post_processor", bosTemplate(vocab.get("<s>")));
        // No decoder: the library then joins the tokens with single spaces.
        root.put("decoder", null);
        Map<String, Object> model = new LinkedHashMap<>();
        model.put("type", "WordLevel");
        model.put("vocab", vocab);
        model.put("unk_token", "<unk>");
        root.put("model", model);
        return root;
    }

    private static Map<String, Object> bosTemplate(int bosId) {
        Map<String, Object> bos = Map.of("SpecialToken", Map.of("id", "<s>", "type_id", 0));
        Map<String, Object> a = Map.of("Sequence", Map.of("id", "A", "type_id", 0));
        Map<String, Object> b = Map.of("Sequence", Map.of("id", "B", "type_id", 1));
        Map<String, Object> processor = new LinkedHashMap<>();
        processor.put("type", "TemplateProcessing");
        processor.put("single", List.of(bos, a));
        processor.put("pair", List.of(bos, a, bos, b));
        processor.put(
                "special_tokens", Map.of("<s>", Map.of("id", "<s>", "ids", List.of(bosId), "tokens", List.of("<s>"))));
        return processor;
    }

    private Map<String, Object> tokenizerConfig() {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("tokenizer_class", "PreTrainedTokenizerFast");
        config.put("bos_token", "<s>");
        config.put("eos_token", "</s>");
        config.put("unk_token", "<unk>");
        config.put("pad_token", "<pad>");
        config.put("additional_special_tokens", List.of("<image>"));
        config.put("add_bos_token", true);
        config.put("add_eos_token", false);
        config.put("model_max_length", modelMaxLength);
        config.put("clean_up_tokenization_spaces", false);
        return config;
    }

    private static Map<String, Object> specialTokensMap() {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("bos_token", "<s>");
        map.put("eos_token", "</s>");
        map.put("unk_token", "<unk>");
        map.put("pad_token", "<pad>");
        map.put("additional_special_tokens", List.of("<image>"));
        return map;
    }
}
