package org.transprune.text;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.OptionalInt;

/**
 * A Hugging Face {@code tokenizer.json} tokenizer, loaded offline, that never truncates or pads.
 *
 * <p>The BOS and EOS tokens are taken, in this order, from {@code tokenizer_config.json},
 * {@code special_tokens_map.json} and {@code generation_config.json} beside the tokenizer file,
 * and otherwise from the tokenizer's own {@code <s>} / {@code </s>} tokens. Holds a native handle:
 * close it when done.
 */
public final class Tokenizer implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private final HuggingFaceTokenizer hf;
    private final Map<String, Integer> ids;
    private final int vocabSize;
    private final OptionalInt bos;
    private final OptionalInt eos;
    private final boolean addsBos;

    private Tokenizer(
            Path file,
            HuggingFaceTokenizer hf,
            Map<String, Integer> ids,
            OptionalInt bos,
            OptionalInt eos,
            boolean addsBos) {
        this.file = file;
        this.hf = hf;
        this.ids = ids;
        this.vocabSize = ids.values().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1;
        this.bos = bos;
        this.eos = eos;
        this.addsBos = addsBos;
    }

    /**
     * Loads a tokenizer.
     *
     * @param path a {@code tokenizer.json} file, or the directory holding it
     * @return the tokenizer
     * @throws IllegalArgumentException naming the file when it is missing or unreadable
     */
    public static Tokenizer load(Path path) {
        Path file = Files.isDirectory(path) ? path.resolve("tokenizer.json") : path;
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("tokenizer file not found: " + file);
        }
        JsonNode root;
        try {
            root = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new IllegalArgumentException(
                    "cannot read tokenizer " + file + ": "
                            + (e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage()),
                    e);
        }
        Map<String, Integer> ids = readIds(root, file);
        Path dir = file.toAbsolutePath().getParent();
        JsonNode tokenizerConfig = readOptional(dir.resolve("tokenizer_config.json"));
        JsonNode specialTokens = readOptional(dir.resolve("special_tokens_map.json"));
        JsonNode generation = readOptional(dir.resolve("generation_config.json"));
        OptionalInt bos = specialId("bos_token", "<s>", ids, tokenizerConfig, specialTokens, generation);
        OptionalInt eos = specialId("eos_token", "</s>", ids, tokenizerConfig, specialTokens, generation);
        boolean addsBos = tokenizerConfig == null
                || !tokenizerConfig.has("add_bos_token")
                || tokenizerConfig.get("add_bos_token").asBoolean(true);

        HuggingFaceTokenizer hf;
        try {
            // Truncation and padding off: with neither set, DJL cuts every encoding at 512 tokens
            // and only logs a warning (see docs/djl-notes.md#tokenizer).
            hf = HuggingFaceTokenizer.builder()
                    .optTokenizerPath(file)
                    .optAddSpecialTokens(false)
                    .optTruncation(false)
                    .optPadding(false)
                    .build();
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("cannot load tokenizer " + file + ": " + e.getMessage(), e);
        }
        return new Tokenizer(file, hf, ids, bos, eos, addsBos);
    }

    /**
     * Token ids of a text.
     *
     * @param text the text, encoded as one sequence
     * @param addBos put the BOS id first (no other special token is added)
     * @return the ids, never truncated
     */
    public int[] encode(String text, boolean addBos) {
        // The post-processor's special tokens stay off; BOS is prepended here so that a tokenizer
        // whose post-processor adds nothing (or adds more, such as EOS) behaves like LLaMA's.
        Encoding encoding = hf.encode(text, false, false);
        long[] raw = encoding.getIds();
        int offset = addBos ? 1 : 0;
        int[] out = new int[raw.length + offset];
        if (addBos) {
            out[0] = bosId();
        }
        for (int i = 0; i < raw.length; i++) {
            out[i + offset] = Math.toIntExact(raw[i]);
        }
        return out;
    }

    /** Text of the ids, special tokens skipped. */
    public String decode(int[] tokenIds) {
        long[] raw = new long[tokenIds.length];
        for (int i = 0; i < tokenIds.length; i++) {
            raw[i] = tokenIds[i];
        }
        return hf.decode(raw, true);
    }

    /**
     * The BOS id.
     *
     * @throws IllegalStateException when the tokenizer has no BOS token
     */
    public int bosId() {
        if (bos.isEmpty()) {
            throw new IllegalStateException("tokenizer " + file + " has no BOS token");
        }
        return bos.getAsInt();
    }

    /** Whether the tokenizer has a BOS token at all. */
    public boolean hasBos() {
        return bos.isPresent();
    }

    /**
     * Whether the tokenizer puts BOS in front of a text by default ({@code add_bos_token} of
     * tokenizer_config.json, true when absent, as for LLaMA); false when it has no BOS token.
     */
    public boolean addsBosByDefault() {
        return addsBos && bos.isPresent();
    }

    /** The EOS id, when the tokenizer has one. */
    public OptionalInt eosId() {
        return eos;
    }

    /** The id of a token string as the vocabulary spells it (e.g. {@code "▁yes"}, {@code "<image>"}). */
    public OptionalInt tokenId(String token) {
        Integer id = ids.get(token);
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    /** One more than the largest id of the model vocabulary and the added tokens. */
    public int vocabSize() {
        return vocabSize;
    }

    /** The tokenizer.json file this was loaded from. */
    public Path file() {
        return file;
    }

    @Override
    public void close() {
        hf.close();
    }

    private static Map<String, Integer> readIds(JsonNode root, Path file) {
        Map<String, Integer> ids = new HashMap<>();
        JsonNode vocab = root.path("model").path("vocab");
        if (vocab.isObject()) {
            // WordLevel, WordPiece, BPE: token -> id
            Iterator<Map.Entry<String, JsonNode>> it = vocab.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                ids.put(e.getKey(), e.getValue().asInt());
            }
        } else if (vocab.isArray()) {
            // Unigram: [[piece, score], ...], the id is the position
            for (int i = 0; i < vocab.size(); i++) {
                ids.put(vocab.get(i).get(0).asText(), i);
            }
        } else {
            throw new IllegalArgumentException("tokenizer " + file + " has no model vocabulary");
        }
        for (JsonNode added : root.path("added_tokens")) {
            ids.put(added.path("content").asText(), added.path("id").asInt());
        }
        return ids;
    }

    private static JsonNode readOptional(Path file) {
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new IllegalArgumentException(
                    "cannot read " + file + ": "
                            + (e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage()),
                    e);
        }
    }

    private static OptionalInt specialId(
            String key,
            String fallback,
            Map<String, Integer> ids,
            JsonNode tokenizerConfig,
            JsonNode specialTokens,
            JsonNode generation) {
        for (JsonNode config : new JsonNode[] {tokenizerConfig, specialTokens}) {
            String token = tokenText(config == null ? null : config.get(key));
            if (token != null && ids.containsKey(token)) {
                return OptionalInt.of(ids.get(token));
            }
        }
        if (generation != null) {
            JsonNode id = generation.get(key + "_id");
            if (id != null && id.isArray() && id.size() > 0) {
                id = id.get(0);
            }
            if (id != null && id.canConvertToInt()) {
                return OptionalInt.of(id.asInt());
            }
        }
        Integer id = ids.get(fallback);
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    /** A special token in a config file is a string or an AddedToken object with "content". */
    private static String tokenText(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (node.isTextual()) {
            return node.asText();
        }
        JsonNode content = node.get("content");
        return content != null && content.isTextual() ? content.asText() : null;
    }
}
