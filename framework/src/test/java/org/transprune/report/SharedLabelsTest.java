package org.transprune.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A label that names two configurations (an older checkpoint's results in the same directory) is reported. */
class SharedLabelsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static ObjectNode summary(String config, String benchmark, String label) {
        ObjectNode n = JSON.createObjectNode()
                .put("type", "summary")
                .put("config", config)
                .put("benchmark", benchmark);
        n.putObject("configuration").put("label", label).put("seed", config.equals("fff") ? 1 : 0);
        return n;
    }

    @Test
    void labelsOverSeveralConfigurationsAreNamed() {
        List<ObjectNode> records = List.of(
                summary("aaa", "synth", "unpruned"),
                summary("bbb", "synth", "unpruned"),
                summary("ccc", "synth", "TransPrune"),
                summary("ddd", "pope", "TransPrune"),
                summary("fff", "synth", "TransPrune"),
                JSON.createObjectNode().put("type", "sample").put("config", "eee"));
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
