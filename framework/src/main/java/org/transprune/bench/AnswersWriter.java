package org.transprune.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedWriter;
import java.io.Closeable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;

/**
 * Appends answers in LLaVA's answers JSONL layout ({@code question_id}, {@code prompt},
 * {@code text}, {@code answer_id}, {@code model_id}, {@code metadata}), one line per answer, flushed
 * after every line so an interrupted run keeps what it produced and can be resumed.
 */
public final class AnswersWriter implements Closeable {
    private static final String ID_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
    private final BufferedWriter out;
    private final SecureRandom random = new SecureRandom();

    /** Opens {@code file} for appending, creating it and its parent directories if needed. */
    public AnswersWriter(Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        out = Files.newBufferedWriter(
                file,
                StandardCharsets.UTF_8,
                StandardOpenOption.CREATE,
                StandardOpenOption.APPEND,
                StandardOpenOption.WRITE);
    }

    /** Writes the answer {@code text} to {@code sample}; returns the record written. */
    public synchronized ObjectNode write(Sample sample, String text, String modelId, JsonNode metadata)
            throws IOException {
        ObjectNode rec = JsonLines.MAPPER.createObjectNode();
        rec.set("question_id", sample.questionId());
        rec.put("prompt", sample.answerPrompt());
        rec.put("text", text);
        rec.put("answer_id", answerId());
        rec.put("model_id", modelId);
        rec.set("metadata", metadata == null ? JsonLines.MAPPER.createObjectNode() : metadata);
        out.write(JsonLines.MAPPER.writeValueAsString(rec));
        out.write('\n');
        out.flush();
        return rec;
    }

    /** A 22-character random id, like the shortuuid ids LLaVA writes. */
    private String answerId() {
        StringBuilder sb = new StringBuilder(22);
        for (int i = 0; i < 22; i++) {
            sb.append(ID_ALPHABET.charAt(random.nextInt(ID_ALPHABET.length())));
        }
        return sb.toString();
    }

    @Override
    public synchronized void close() throws IOException {
        out.close();
    }
}
