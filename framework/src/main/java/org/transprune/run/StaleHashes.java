package org.transprune.run;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.transprune.bench.JsonLines;

/**
 * Refuses a run directory whose records were keyed by another version's configuration hash (for
 * example before {@code model.weights} left the hash): resuming it would find none of its records,
 * run the whole sweep again and mix two keys in one file.
 */
public final class StaleHashes {
    private StaleHashes() {}

    /**
     * Checks the {@code plan.json} of {@code dir}, if any: every configuration it lists must hash,
     * by today's rule, to the hash it was recorded under.
     *
     * @throws IllegalArgumentException one line naming the directory, an old and a new hash, and the way out
     */
    public static void check(SweepPlan plan, Path dir) {
        Path file = dir.resolve(RunDirectory.PLAN);
        if (!Files.isRegularFile(file)) {
            return;
        }
        JsonNode recorded;
        try {
            recorded = JsonLines.MAPPER.readTree(file.toFile());
        } catch (IOException e) {
            return; // an unreadable plan is rewritten by the run; its records are checked there
        }
        Set<String> planned =
                plan.configurations().stream().map(RunConfiguration::hash).collect(Collectors.toSet());
        for (JsonNode c : recorded.path("configurations")) {
            String old = c.path("hash").asText();
            String now = rehash(c);
            if (now != null && !now.equals(old)) {
                throw new IllegalArgumentException(dir + " was recorded with configuration hashes of another version ("
                        + old + " is now " + now + (planned.contains(now) ? ", a configuration of this plan" : "")
                        + "; the model's weight storage no longer counts): delete it and run again to regenerate"
                        + " it, or run into another directory with --out");
            }
        }
    }

    /** The hash today's rule gives the configuration {@code c} of a plan.json, or null when it is incomplete. */
    @SuppressWarnings("unchecked")
    static String rehash(JsonNode c) {
        if (!c.hasNonNull("strategy") || !c.has("parameters") || !c.has("model") || !c.has("seed")) {
            return null;
        }
        Map<String, Object> parameters = JsonLines.MAPPER.convertValue(c.get("parameters"), Map.class);
        Map<String, Object> model = JsonLines.MAPPER.convertValue(c.get("model"), Map.class);
        // Weight storage left the identity (fp32 and half give the same answers).
        model.remove("weights");
        return new RunConfiguration(
                        c.get("strategy").asText(),
                        "",
                        parameters,
                        c.get("seed").asLong(),
                        c.path("max_new_tokens").asInt(),
                        model,
                        null,
                        null)
                .hash();
    }
}
