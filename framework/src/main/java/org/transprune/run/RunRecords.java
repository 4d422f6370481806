package org.transprune.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.transprune.bench.JsonLines;
import org.transprune.prune.StrategyCode;

/**
 * The records of {@code results.jsonl}. Every line is a JSON object with a {@code type}:
 *
 * <p>{@code "sample"}: one answered question: {@code config} (configuration hash),
 * {@code benchmark} (label), {@code sample} (the question's key), {@code question_id},
 * {@code category}, {@code answer}, {@code correct} (true/false, or null when the
 * benchmark is scored only in aggregate), {@code prompt_tokens}, {@code image_tokens},
 * {@code generated_tokens}, {@code tokens_per_layer}, {@code kv_cache_tokens},
 * {@code stage_layers} and {@code kept_patches} (per pruning stage; kept patches only for the
 * synthetic benchmark), {@code relevant_patches} and {@code recall} (synthetic benchmark: share of
 * relevant patches each stage kept), timings {@code image_ms}, {@code prefill_ms},
 * {@code scoring_ms}, {@code decode_ms}, {@code code} (the strategy's code identity: name,
 * version, digest; see {@link StrategyCode}), {@code image_cached} (the image's embeddings came from the
 * run's cache, so {@code image_ms} is only their upload), {@code skipped} (why a sample could not be run, e.g. an
 * unreadable image under on_error: skip) and {@code provenance}.
 *
 * <p>{@code "summary"}: one configuration on one benchmark once all its samples are recorded:
 * {@code configuration} (strategy, label, code, parameters, seed, max_new_tokens, model), the
 * benchmark's {@code metrics} and {@code headline}, {@code samples}, {@code skipped},
 * {@code correct}/{@code judged}, theoretical {@code tflops}, {@code flops_ratio},
 * {@code avg_retained_tokens}, {@code kv_cache_mib} (image tokens, fp16), measured
 * {@code prefill_ms_mean}/{@code prefill_ms_median}, {@code agreement} with the unpruned
 * configuration of the same seed ({@code agreement_with}), per-stage {@code recall} by category
 * (synthetic), and {@code provenance}.
 */
public final class RunRecords {
    public static final String TYPE = "type";
    public static final String SAMPLE = "sample";
    public static final String SUMMARY = "summary";

    /**
     * Fields that differ between two runs of the same work (timing, times, machine load, whether an
     * image was already encoded by the same process).
     */
    public static final Set<String> TIMING_FIELDS = Set.of(
            "image_ms",
            "prefill_ms",
            "scoring_ms",
            "decode_ms",
            "image_cached",
            "prefill_ms_mean",
            "prefill_ms_median",
            "started_at",
            "ended_at");

    private RunRecords() {}

    /** The unit of work a sample record completes: config, benchmark and sample key. */
    public static String unitKey(JsonNode record) {
        return unitKey(
                record.path("config").asText(),
                record.path("benchmark").asText(),
                record.path("sample").asText());
    }

    public static String unitKey(String config, String benchmark, String sample) {
        return config + "\u0000" + benchmark + "\u0000" + sample;
    }

    /** The (config, benchmark) a summary covers. */
    public static String summaryKey(String config, String benchmark) {
        return config + "\u0000" + benchmark;
    }

    public static boolean isSample(JsonNode record) {
        return SAMPLE.equals(record.path(TYPE).asText());
    }

    public static boolean isSummary(JsonNode record) {
        return SUMMARY.equals(record.path(TYPE).asText());
    }

    /** The configuration as written in summaries and plans. */
    public static ObjectNode configuration(RunConfiguration c) {
        ObjectNode o = JsonLines.MAPPER.createObjectNode();
        o.put("strategy", c.strategy());
        o.put("label", c.label());
        if (c.code() != null) {
            o.set("code", code(c.code()));
        }
        o.set("parameters", JsonLines.MAPPER.valueToTree(c.plainParameters()));
        o.put("seed", c.seed());
        o.put("max_new_tokens", c.maxNewTokens());
        o.set("model", JsonLines.MAPPER.valueToTree(c.model()));
        if (c.cost() != null) {
            o.put("tflops", c.cost().tflops());
            o.put("flops_ratio", c.cost().flopsRatio());
            o.put("avg_retained_tokens", c.cost().averageRetainedTokens());
            o.put("kv_cache_mib", c.cost().kvCacheMiB());
            o.put("schedule", c.cost().schedule().describe());
        }
        return o;
    }

    /** A strategy's code identity as recorded: {@code name}, {@code version}, {@code digest}. */
    public static ObjectNode code(StrategyCode code) {
        ObjectNode o = JsonLines.MAPPER.createObjectNode();
        o.put("name", code.name());
        o.put("version", code.version());
        o.put("digest", code.digest());
        return o;
    }

    /** Puts a number, or null for NaN/infinite (JSON has no NaN). */
    public static void putNumber(ObjectNode o, String field, double value) {
        if (Double.isFinite(value)) {
            o.put(field, value);
        } else {
            o.putNull(field);
        }
    }

    public static ArrayNode ints(int[] values) {
        ArrayNode a = JsonLines.MAPPER.createArrayNode();
        for (int v : values) {
            a.add(v);
        }
        return a;
    }

    public static ArrayNode numbers(double[] values) {
        ArrayNode a = JsonLines.MAPPER.createArrayNode();
        for (double v : values) {
            if (Double.isFinite(v)) {
                a.add(v);
            } else {
                a.addNull();
            }
        }
        return a;
    }

    /** A copy without the fields of {@link #TIMING_FIELDS}, at any depth: what two runs must agree on. */
    public static JsonNode withoutTiming(JsonNode record) {
        JsonNode copy = record.deepCopy();
        strip(copy);
        return copy;
    }

    private static void strip(JsonNode n) {
        if (n instanceof ObjectNode o) {
            o.remove(TIMING_FIELDS);
            for (Map.Entry<String, JsonNode> e : List.copyOf(o.properties())) {
                strip(e.getValue());
            }
        } else if (n instanceof ArrayNode a) {
            a.forEach(RunRecords::strip);
        }
    }
}
