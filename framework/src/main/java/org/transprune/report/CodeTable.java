package org.transprune.report;

import com.fasterxml.jackson.databind.JsonNode;
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
import org.transprune.records.Code;
import org.transprune.records.Records;
import org.transprune.records.RunRecord;
import org.transprune.records.SampleRecord;
import org.transprune.records.SummaryRecord;
import org.transprune.run.RunDirectory;
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
    static List<String> dropSuperseded(List<RunRecord> records, Path runDir) throws IOException {
        Path plan = runDir.resolve(RunDirectory.PLAN);
        if (!Files.isRegularFile(plan)) {
            return List.of();
        }
        Map<String, Set<String>> current = new HashMap<>();
        for (JsonNode c : Records.MAPPER.readTree(plan.toFile()).path("configurations")) {
            if (c.path("code").hasNonNull("digest")) {
                current.computeIfAbsent(c.path("strategy").asText(), k -> new HashSet<>())
                        .add(c.path("code").path("digest").asText());
            }
        }
        Map<String, Integer> dropped = new TreeMap<>();
        records.removeIf(r -> {
            String strategy = strategy(r);
            Code code = code(r);
            Set<String> digests = current.get(strategy);
            if (digests == null || code == null || digests.contains(code.digest())) {
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

    private static String strategy(RunRecord r) {
        if (r instanceof SummaryRecord s) {
            return s.configuration() == null ? null : s.configuration().strategy();
        }
        return ((SampleRecord) r).strategy();
    }

    private static Code code(RunRecord r) {
        if (r instanceof SummaryRecord s
                && s.configuration() != null
                && s.configuration().code() != null) {
            return s.configuration().code();
        }
        return r.provenance() == null ? null : r.provenance().code();
    }

    /** One row per configuration with a summary, in record order; null when no summary names its code. */
    static Table of(List<RunRecord> records) {
        Map<String, SummaryRecord> byConfig = new LinkedHashMap<>();
        for (RunRecord r : records) {
            if (r instanceof SummaryRecord s
                    && s.configuration() != null
                    && s.configuration().code() != null) {
                byConfig.putIfAbsent(s.config(), s);
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
        byConfig.forEach((hash, s) -> {
            Code c = s.configuration().code();
            t.stringColumn("method").append(s.configuration().label());
            t.stringColumn("strategy").append(c.name());
            t.stringColumn("version").append(c.version());
            t.stringColumn("code digest").append(c.digest());
            t.stringColumn("config").append(hash);
        });
        return t;
    }
}
