package org.transprune.text;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a word-level {@code tokenizer.json} (with {@code tokenizer_config.json}) carrying Qwen2.5-VL's special
 * tokens at chosen ids, for random-weight Qwen checkpoints: the real checkpoints' byte-level BPE is not needed to
 * time or test the engine, but the chat format's {@code <|im_start|>}, {@code <|vision_start|>},
 * {@code <|image_pad|>} ... must be single tokens at the ids the config names. Ids not taken by a special token
 * or a word get fillers {@code tok<i>}. There is no BOS; {@code <|im_end|>} is the EOS.
 */
public final class QwenTokenizerWriter {
    /** The special tokens at the released checkpoints' ids. */
    public static final Map<String, Integer> RELEASED_IDS = releasedIds();

    private static final String UNK = "<unk>";

    private QwenTokenizerWriter() {}

    private static Map<String, Integer> releasedIds() {
        Map<String, Integer> m = new LinkedHashMap<>();
        m.put(QwenPrompt.END_OF_TEXT, 151643);
        m.put(QwenPrompt.IM_START, 151644);
        m.put(QwenPrompt.IM_END, 151645);
        m.put(QwenPrompt.VISION_START, 151652);
        m.put(QwenPrompt.VISION_END, 151653);
        m.put(QwenPrompt.IMAGE_PAD, 151655);
        return m;
    }

    /**
     * Writes the files into {@code dir} (created if needed).
     *
     * @param words vocabulary words (split by the Whitespace pre-tokenizer into single tokens), placed at the
     *     lowest free ids; {@code <unk>} is added first
     * @param specialIds the special tokens and their ids (all below {@code vocabSize})
     * @param vocabSize ids 0..vocabSize-1 all get a token
     * @return the path of tokenizer.json
     */
    public static Path write(Path dir, List<String> words, Map<String, Integer> specialIds, int vocabSize)
            throws IOException {
        Map<Integer, String> byId = new HashMap<>();
        for (Map.Entry<String, Integer> e : specialIds.entrySet()) {
            if (e.getValue() < 0 || e.getValue() >= vocabSize || byId.put(e.getValue(), e.getKey()) != null) {
                throw new IllegalArgumentException("special token " + e.getKey() + " at id " + e.getValue()
                        + " is outside 0.." + (vocabSize - 1) + " or shares its id");
            }
        }
        List<String> queue = new ArrayList<>();
        queue.add(UNK);
        for (String w : words) {
            if (!queue.contains(w) && !specialIds.containsKey(w)) {
                queue.add(w);
            }
        }
        Map<String, Integer> vocab = new LinkedHashMap<>();
        int next = 0;
        for (int id = 0; id < vocabSize; id++) {
            String token = byId.get(id);
            if (token == null) {
                token = next < queue.size() ? queue.get(next++) : "tok" + id;
            }
            vocab.put(token, id);
        }
        if (next < queue.size()) {
            throw new IllegalArgumentException(
                    (queue.size() - next) + " words do not fit a vocabulary of " + vocabSize + " ids");
        }
        List<Map<String, Object>> added = new ArrayList<>();
        for (Map.Entry<String, Integer> e : specialIds.entrySet()) {
            Map<String, Object> token = new LinkedHashMap<>();
            token.put("id", e.getValue());
            token.put("content", e.getKey());
            token.put("single_word", false);
            token.put("lstrip", false);
            token.put("rstrip", false);
            token.put("normalized", false);
            token.put("special", true);
            added.add(token);
        }
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("version", "1.0");
        root.put("truncation", null);
        root.put("padding", null);
        root.put("added_tokens", added);
        root.put("normalizer", null);
        root.put("pre_tokenizer", Map.of("type", "Whitespace"));
        root.put("post_processor", null);
        root.put("decoder", null);
        Map<String, Object> model = new LinkedHashMap<>();
        model.put("type", "WordLevel");
        model.put("vocab", vocab);
        model.put("unk_token", UNK);
        root.put("model", model);
        Files.createDirectories(dir);
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        Path file = dir.resolve("tokenizer.json");
        json.writeValue(file.toFile(), root);
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("tokenizer_class", "Qwen2TokenizerFast");
        config.put("bos_token", null);
        config.put("eos_token", QwenPrompt.IM_END);
        config.put("pad_token", QwenPrompt.END_OF_TEXT);
        config.put("add_bos_token", false);
        config.put("model_max_length", 131072);
        json.writeValue(dir.resolve("tokenizer_config.json").toFile(), config);
        return file;
    }
}
