package org.transprune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class InspectCommandTest {

    @Test
    void parameterValuesAreReadAsYaml() {
        Map<String, String> raw = new LinkedHashMap<>();
        raw.put("layers", "[5, 7, 10]");
        raw.put("alpha", "0.6");
        raw.put("cosine", "abs");
        raw.put("k", "3");
        Map<String, Object> parsed = StrategyOptions.parseParameters(raw);
        assertEquals(List.of(5, 7, 10), parsed.get("layers"));
        assertEquals(0.6, parsed.get("alpha"));
        assertEquals("abs", parsed.get("cosine"));
        assertEquals(3, parsed.get("k"));
    }

    @Test
    void missingRequiredOptionsAreReported() {
        int exit = Main.commandLine().execute("inspect", "--image", "x.png");
        assertEquals(2, exit);
    }
}
