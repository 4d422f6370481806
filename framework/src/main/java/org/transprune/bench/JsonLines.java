package org.transprune.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads JSON-lines files record by record, reporting malformed lines with their number. */
public final class JsonLines {
    /** The shared mapper (thread-safe once configured). */
    public static final ObjectMapper MAPPER = new ObjectMapper();

    private JsonLines() {}

    /**
     * Reads a whole JSON document (an annotation file). Malformed JSON is reported as a {@link
     * BenchmarkDataException} naming the file and line, without the parser's internals.
     */
    public static JsonNode readFile(Path file) throws IOException {
        try {
            return MAPPER.readTree(file.toFile());
        } catch (JsonProcessingException e) {
            throw malformed(file, e);
        }
    }

    /** A one-line problem for a JSON syntax error in {@code file}: its line and the parser's short message. */
    public static BenchmarkDataException malformed(Path file, JsonProcessingException e) {
        int line = e.getLocation() == null ? 0 : Math.max(0, e.getLocation().getLineNr());
        return new BenchmarkDataException(new DataIssue(file, line, "not valid JSON: " + e.getOriginalMessage()), e);
    }

    /** Receives each well-formed JSON object with its 1-based line number. */
    @FunctionalInterface
    public interface RecordSink {
        void accept(ObjectNode record, int line);
    }

    /**
     * Calls {@code sink} for every line holding a JSON object. Blank lines are ignored (a trailing
     * newline is normal); anything else that is not a JSON object is reported to {@code log}.
     */
    public static void read(Path file, IssueLog log, RecordSink sink) throws IOException {
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String s;
            int line = 0;
            while ((s = r.readLine()) != null) {
                line++;
                if (line == 1 && s.startsWith("\uFEFF")) {
                    s = s.substring(1);
                }
                if (s.isBlank()) {
                    continue;
                }
                JsonNode node;
                try {
                    node = MAPPER.readTree(s);
                } catch (JsonProcessingException e) {
                    log.report(file, line, "malformed JSON line: " + e.getOriginalMessage(), e);
                    continue;
                }
                if (!(node instanceof ObjectNode obj)) {
                    log.report(file, line, "line is not a JSON object");
                    continue;
                }
                sink.accept(obj, line);
            }
        }
    }
}
