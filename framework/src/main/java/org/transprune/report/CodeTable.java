package org.transprune.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.transprune.bench.JsonLines;
import org.transprune.run.RunDirectory;
import org.transprune.run.RunRecords;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/** Which code produced each reported configuration: the strategy's name, version and code digest. */
final class CodeTable {
    private CodeTable() {}

    /**
     * Leaves out the records of superseded code: when the run directory's {@code plan.json} runs a
     * strategy with some code digests, records of that strategy made by other code (an older build
     * of a changed strategy, re-run into the same directory) are removed from {@code records}.
     *
     * @return one warning per strategy with records left out
     */
    static List<String> dropSuperseded(List<ObjectNode> records, Path runDir) throws IOException {
        Path plan = runDir.resolve(RunDirectory.PLAN);
        if (!Files.isRegularFile(plan)) {
            return List.of();
        }
        Map<String, Set<String>> current = new HashMap<>();
        for (JsonNode c : JsonLines.MAPPER.readTree(plan.toFile()).path("configurations")) {
            if (c.path("code").hasNonNull("digest")) {
                current.computeIfAbsent(c.path("strategy").asText(), k -> new HashSet<>())
                        .add(c.path("code").path("digest").asText());
            }
        }
        Map<String, Integer> dropped = new TreeMap<>();
        records.removeIf(r -> {
            JsonNode code = RunRecords.isSummary(r) ? r.path("configuration").path("code") : r.path("code");
            String strategy = RunRecords.isSummary(r)
                    ? r.path("configuration").path("strategy").asText()
                    : r.path("strategy").asText();
            Set<String> digests = current.get(strategy);
            if (digests == null
                    || !code.hasNonNull("digest")
                    || digests.contains(code.get("digest").asText())) {
                return false;
            }
            dropped.merge(strategy, 1, Integer::sum);
            return true;
        });
        List<String> warnings = new ArrayList<>();
        dropped.forEach((strategy, n) -> warnings.add(n + " records of '" + strategy
                + "' made by code other than this plan's (changed since) are left out of the report"));
        return warnings;
    }

    /** One row per configuration with a summary, in record order; null when no summary names its code. */
    static Table of(List<ObjectNode> records) {
        Map<String, JsonNode> byConfig = new LinkedHashMap<>();
        for (ObjectNode r : records) {
            if (RunRecords.isSummary(r) && r.path("configuration").has("code")) {
                byConfig.putIfAbsent(r.path("config").asText(), r.path("configuration"));
            }
        }
        if (byConfig.isEmpty()) {
            return null;
        }
        Table t = Table.create(
                "Code of each configuration",
                StringColumn.create("method"),
                StringColumn.create("strategy"),
                StringColumn.create("version"),
                StringColumn.create("code digest"),
                StringColumn.create("config"));
        byConfig.forEach((hash, c) -> {
            t.stringColumn("method").append(c.path("label").asText());
            t.stringColumn("strategy").append(c.path("code").path("name").asText());
            t.stringColumn("version").append(c.path("code").path("version").asText());
            t.stringColumn("code digest").append(c.path("code").path("digest").asText());
            t.stringColumn("config").append(hash);
        });
        return t;
    }
}
