package org.transprune.bench;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.function.BiConsumer;

/**
 * Streams the objects of a JSON array (top-level, or under a top-level field such as VQAv2's
 * {@code "annotations"}) without building the whole document: annotation files run to hundreds of
 * megabytes.
 */
public final class JsonArrays {
    private JsonArrays() {}

    /**
     * Calls {@code sink} with every object element and its 1-based index.
     *
     * @param field top-level field holding the array, or null when the document is the array
     * @throws IOException when the file cannot be read
     * @throws BenchmarkDataException when the file is not valid JSON (file and line named) or has
     *     no such array
     */
    public static void forEach(Path file, String field, BiConsumer<ObjectNode, Integer> sink) throws IOException {
        try {
            stream(file, field, sink);
        } catch (JsonProcessingException e) {
            throw JsonLines.malformed(file, e);
        }
    }

    private static void stream(Path file, String field, BiConsumer<ObjectNode, Integer> sink) throws IOException {
        try (JsonParser p = JsonLines.MAPPER.createParser(file.toFile())) {
            JsonToken t = p.nextToken();
            if (field != null) {
                if (t != JsonToken.START_OBJECT) {
                    throw problem(file, "expected a JSON object with field '" + field + "'");
                }
                boolean found = false;
                while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                    String name = p.currentName();
                    t = p.nextToken();
                    if (name.equals(field)) {
                        found = true;
                        break;
                    }
                    p.skipChildren();
                }
                if (!found) {
                    throw problem(file, "no top-level field '" + field + "'");
                }
            }
            if (t != JsonToken.START_ARRAY) {
                throw problem(file, "expected a JSON array" + (field == null ? "" : " in '" + field + "'"));
            }
            int index = 0;
            while (p.nextToken() != JsonToken.END_ARRAY) {
                index++;
                JsonNode n = JsonLines.MAPPER.readTree(p);
                if (n instanceof ObjectNode o) {
                    sink.accept(o, index);
                }
            }
        }
    }

    private static BenchmarkDataException problem(Path file, String message) {
        return new BenchmarkDataException(new DataIssue(file, 0, message));
    }
}
