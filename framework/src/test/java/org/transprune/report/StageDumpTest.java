package org.transprune.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transprune.cost.PruneSchedule;
import org.transprune.model.TokenLayout;
import org.transprune.prune.LayerSignals;
import org.transprune.prune.PruningStrategy;
import org.transprune.prune.RequestScorer;
import org.transprune.prune.Selection;
import org.transprune.prune.StrategyRun;

class StageDumpTest {

    /** Scores each image token by its current index; diagnostics "score" and "other" (with a NaN). */
    private static final PruningStrategy BY_INDEX = new PruningStrategy() {
        @Override
        public String name() {
            return "by-index";
        }

        @Override
        public PruneSchedule schedule(int imageTokens, int numLayers) {
            return PruneSchedule.ofOriginalRatios(imageTokens, List.of(1, 2), List.of(0.5, 0.25));
        }

        @Override
        public LayerSignals signals(int layer, PruneSchedule schedule) {
            return LayerSignals.NONE;
        }

        @Override
        public RequestScorer newRequest(long seed) {
            return new RequestScorer() {
                private Map<String, float[]> last = Map.of();

                @Override
                public int[] select(int afterLayer, int keep, TokenLayout layout) {
                    float[] s = new float[layout.imageLength()];
                    float[] other = new float[s.length];
                    for (int i = 0; i < s.length; i++) {
                        s[i] = i;
                        other[i] = i == 0 ? Float.NaN : -i;
                    }
                    Map<String, float[]> m = new LinkedHashMap<>();
                    m.put("score", s);
                    m.put("other", other);
                    last = m;
                    return Selection.topK(s, keep);
                }

                @Override
                public Map<String, float[]> lastScores() {
                    return last;
                }
            };
        }
    };

    @Test
    void writesEachStagesTokensScoresAndKeptPatches(@TempDir Path dir) throws Exception {
        StrategyRun run = StrategyRun.start(BY_INDEX, 8, 4, 0);
        TokenLayout layout = TokenLayout.initial(11, 1, 8);
        int[] kept1 = run.keep(1, layout); // top 4 of 0..7 -> 4, 5, 6, 7
        layout = layout.keep(kept1);
        run.keep(2, layout); // top 2 of patches 4..7 -> 6, 7
        Path file = dir.resolve("inspect/stages.json");
        StageDump.write(file, "by-index", run);

        JsonNode root = new ObjectMapper().readTree(file.toFile());
        assertEquals("by-index", root.get("strategy").asText());
        assertEquals(8, root.get("imageTokens").asInt());
        assertEquals("after [1, 2]: 8 -> 4 -> 2", root.get("schedule").asText());
        JsonNode stages = root.get("stages");
        assertEquals(2, stages.size());
        JsonNode first = stages.get(0);
        assertEquals(1, first.get("afterLayer").asInt());
        assertEquals(8, first.get("candidates").asInt());
        assertEquals("[4,5,6,7]", first.get("keptPatches").toString());
        JsonNode token0 = first.get("tokens").get(0);
        assertEquals(0, token0.get("patch").asInt());
        assertFalse(token0.get("kept").asBoolean());
        assertTrue(token0.get("other").isNull(), "NaN is written as null");
        JsonNode second = stages.get(1);
        assertEquals("[6,7]", second.get("keptPatches").toString());
        JsonNode token = second.get("tokens").get(3);
        assertEquals(7, token.get("patch").asInt());
        assertTrue(token.get("kept").asBoolean());
        assertEquals(3.0, token.get("score").asDouble());
        assertEquals(-3.0, token.get("other").asDouble());
    }
}
