package org.transprune.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.transprune.records.Records;
import org.transprune.records.ResultsLog;

/** The records of a run directory as the JSON objects of its lines, for tests that check the file's fields by name. */
final class RecordJson {
    private RecordJson() {}

    static List<ObjectNode> read(Path dir) throws IOException {
        return ResultsLog.read(dir).stream().map(Records::toJson).toList();
    }

    static boolean isSample(JsonNode r) {
        return "sample".equals(r.path("type").asText());
    }

    static boolean isSummary(JsonNode r) {
        return "summary".equals(r.path("type").asText());
    }

    static String unitKey(JsonNode r) {
        return Records.unitKey(
                r.path("config").asText(),
                r.path("benchmark").asText(),
                r.path("sample").asText());
    }
}
