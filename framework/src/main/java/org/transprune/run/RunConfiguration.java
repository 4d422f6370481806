package org.transprune.run;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.transprune.cost.CostReport;
import org.transprune.prune.PruningStrategy;
import org.transprune.prune.StrategyCode;
import org.transprune.records.SolvedBudget;

/**
 * One point of a sweep: a strategy with every parameter bound, a seed and a generation limit,
 * on one model. Its {@link #hash()} names it in records, file names and shards.
 *
 * @param strategy registered strategy name
 * @param label display name for tables (the strategy's {@code label:} or its name)
 * @param parameters every declared parameter with its bound value, sorted by name
 * @param seed the run's seed (mixed with each sample's key for the request seed)
 * @param maxNewTokens generation limit
 * @param model the model identity ({@link ModelSpec#identity()})
 * @param cost theoretical cost on the model (null when the model's shape is unknown)
 * @param pruningStrategy the strategy built from these parameters, once: immutable, shared by every
 *     sample of the configuration
 * @param code the identity of the strategy's code; its digest is part of the hash, so changed code
 *     is a new configuration (null only for configurations recorded before code identity)
 * @param budget how the strategy's budget parameter was solved from a stated budget (docs/method.md#budgets), or
 *     null when every parameter was written; not part of the hash (the solved value is among the parameters)
 */
public record RunConfiguration(
        String strategy,
        String label,
        Map<String, Object> parameters,
        long seed,
        int maxNewTokens,
        Map<String, Object> model,
        CostReport cost,
        PruningStrategy pruningStrategy,
        StrategyCode code,
        SolvedBudget budget) {

    private static final ObjectMapper CANONICAL =
            new ObjectMapper().configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

    public RunConfiguration {
        parameters = Collections.unmodifiableMap(new TreeMap<>(parameters));
        model = Collections.unmodifiableMap(new TreeMap<>(model));
    }

    /** A configuration whose parameters were all written (no budget solved). */
    public RunConfiguration(
            String strategy,
            String label,
            Map<String, Object> parameters,
            long seed,
            int maxNewTokens,
            Map<String, Object> model,
            CostReport cost,
            PruningStrategy pruningStrategy,
            StrategyCode code) {
        this(strategy, label, parameters, seed, maxNewTokens, model, cost, pruningStrategy, code, null);
    }

    /**
     * Everything that decides the answers, as canonical JSON (keys sorted, no spaces): the
     * strategy's name, code digest ({@link StrategyCode}) and parameters, the seed, the generation
     * limit and the model. The label, the cost, the built strategy and the code's version and
     * location are left out: renaming a row, tagging a release or moving a jar must not invalidate
     * finished work, and the rest follows from the parameters.
     */
    public String canonicalJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("strategy", strategy);
        if (code != null) {
            m.put("code", code.digest());
        }
        m.put("parameters", parameters);
        m.put("seed", seed);
        m.put("max_new_tokens", maxNewTokens);
        m.put("model", model);
        try {
            return CANONICAL.writeValueAsString(m);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** First 12 hex digits of the SHA-256 of {@link #canonicalJson()}. */
    public String hash() {
        return sha256Hex(canonicalJson()).substring(0, 12);
    }

    /** Whether no stage of its schedule drops a token (the reference row of tables). */
    public boolean unpruned() {
        return cost != null && cost.schedule().isUnpruned();
    }

    /** e.g. {@code transprune alpha=0.5 layers=[7, 9, 12] seed=0}. */
    public String describe() {
        String params = parameters.entrySet().stream()
                .map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining(" "));
        return label + (params.isEmpty() ? "" : " " + params) + " seed=" + seed;
    }

    /** SHA-256 of UTF-8 text, in hex. */
    public static String sha256Hex(String text) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The parameter values as JSON-friendly plain values (lists stay lists). */
    public Map<String, Object> plainParameters() {
        Map<String, Object> m = new TreeMap<>();
        parameters.forEach((k, v) -> m.put(k, v instanceof List<?> l ? List.copyOf(l) : v));
        return m;
    }
}
