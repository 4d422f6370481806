package org.transprune.records;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.RecordComponent;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.transprune.bench.JsonLines;

/**
 * The schema of {@code results.jsonl} in one place: how a line becomes a {@link RunRecord} and back (Jackson, field
 * names in snake case), which fields are {@link Volatile volatile}, and the keys work is identified by.
 */
public final class Records {
    /** Reads and writes records; field names are the components' names in snake case. */
    public static final ObjectMapper MAPPER = JsonLines.MAPPER
            .copy()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true);

    /**
     * The JSON names of every {@link Volatile} field of the schema (at any depth: provenance times too): what two runs
     * of the same work may disagree on.
     */
    public static final Set<String> VOLATILE_FIELDS = volatileFields();

    private Records() {}

    private static Set<String> volatileFields() {
        Set<String> out = new TreeSet<>();
        for (Class<?> c :
                List.of(SampleRecord.class, SummaryRecord.class, RecordProvenance.class, Configuration.class)) {
            for (RecordComponent rc : c.getRecordComponents()) {
                if (rc.isAnnotationPresent(Volatile.class)) {
                    out.add(PropertyNamingStrategies.SnakeCaseStrategy.INSTANCE.translate(rc.getName()));
                }
            }
        }
        return Set.copyOf(out);
    }

    /**
     * The record a line holds.
     *
     * @throws IllegalArgumentException when it is not a sample or summary record of this schema
     */
    public static RunRecord parse(JsonNode line) {
        String type = line.path("type").asText();
        Class<? extends RunRecord> c = switch (type) {
            case SampleRecord.TYPE -> SampleRecord.class;
            case SummaryRecord.TYPE -> SummaryRecord.class;
            default -> throw new IllegalArgumentException("unknown record type '" + type + "'");
        };
        try {
            return MAPPER.treeToValue(line, c);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(e.getOriginalMessage(), e);
        }
    }

    /** The record as its line's JSON object. */
    public static ObjectNode toJson(RunRecord record) {
        ObjectNode o = MAPPER.valueToTree(record);
        if (record instanceof SampleRecord s && s.wasSkipped()) {
            o.remove("correct"); // a skipped sample was never judged: no verdict at all, not a null one
        }
        return o;
    }

    /** The record as one line of text (no newline). */
    public static String toLine(RunRecord record) {
        try {
            return MAPPER.writeValueAsString(toJson(record));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A copy of {@code record}'s JSON without the {@link #VOLATILE_FIELDS}, at any depth: what two runs must agree on. */
    public static JsonNode withoutVolatile(JsonNode record) {
        JsonNode copy = record.deepCopy();
        strip(copy);
        return copy;
    }

    /** {@link #withoutVolatile(JsonNode)} of a record. */
    public static JsonNode withoutVolatile(RunRecord record) {
        return withoutVolatile(toJson(record));
    }

    private static void strip(JsonNode n) {
        if (n instanceof ObjectNode o) {
            o.remove(VOLATILE_FIELDS);
            for (Map.Entry<String, JsonNode> e : List.copyOf(o.properties())) {
                strip(e.getValue());
            }
        } else if (n instanceof ArrayNode a) {
            a.forEach(Records::strip);
        }
    }

    /** The unit of work a sample record completes: configuration, benchmark and sample key. */
    public static String unitKey(String config, String benchmark, String sample) {
        return config + "\u0000" + benchmark + "\u0000" + sample;
    }

    /** The (configuration, benchmark) a summary covers. */
    public static String summaryKey(String config, String benchmark) {
        return config + "\u0000" + benchmark;
    }

    /** The key a record is unique by: its unit for a sample, its (configuration, benchmark) for a summary. */
    public static String key(RunRecord r) {
        return r instanceof SampleRecord s ? s.unitKey() : "summary\u0000" + summaryKey(r.config(), r.benchmark());
    }
}
