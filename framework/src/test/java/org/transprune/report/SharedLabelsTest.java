package org.transprune.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.transprune.records.Configuration;
import org.transprune.records.RunRecord;
import org.transprune.records.SampleRecord;
import org.transprune.records.SummaryRecord;

/** A label that names two configurations (an older checkpoint's results in the same directory) is reported. */
class SharedLabelsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static RunRecord summary(String config, String benchmark, String label) {
        Configuration c = new Configuration(
                "x",
                label,
                JSON.createObjectNode(),
                config.equals("fff") ? 1 : 0,
                4,
                JSON.createObjectNode(),
                null,
                null,
                null,
                null,
                null);
        return new SummaryRecord(
                SummaryRecord.TYPE,
                config,
                benchmark,
                c,
                0,
                0,
                "accuracy",
                Map.of(),
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                Double.NaN,
                Double.NaN,
                null,
                null,
                null,
                null);
    }

    @Test
    void labelsOverSeveralConfigurationsAreNamed() {
        List<RunRecord> records = List.of(
                summary("aaa", "synth", "unpruned"),
                summary("bbb", "synth", "unpruned"),
                summary("ccc", "synth", "TransPrune"),
                summary("ddd", "pope", "TransPrune"),
                summary("fff", "synth", "TransPrune"),
                SampleRecord.skipped("eee", "synth", "1", null, "x", null, "why", null));
        List<String> warnings = RunReport.sharedLabels(records);
        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(
                warnings.get(0).contains("synth/unpruned seed 0")
                        && warnings.get(0).contains("[aaa, bbb]"),
                warnings.get(0));
        assertTrue(
                RunReport.sharedLabels(records.subList(1, 6)).isEmpty(),
                "other benchmarks and other seeds share rows by design");
    }
}
