package org.transprune.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.transprune.cost.PruneSchedule;
import org.transprune.prune.StrategyRun;

/**
 * The pruning stages of one request as JSON: per stage, the layer, the kept patches and, for every
 * candidate image token, its original patch number, whether it was kept and each diagnostic score
 * the strategy reported (e.g. {@code ttv}, {@code iga}, {@code score}). Non-finite scores are
 * written as {@code null}, since JSON has no NaN.
 */
public final class StageDump {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private StageDump() {}

    /** The JSON document for {@code stages} of a run of {@code strategy} under {@code schedule}. */
    public static ObjectNode toJson(String strategy, PruneSchedule schedule, List<StrategyRun.StageRecord> stages) {
        ObjectNode root = JSON.createObjectNode();
        root.put("strategy", strategy);
        root.put("imageTokens", schedule.imageTokens());
        root.put("schedule", schedule.describe());
        ArrayNode stageArray = root.putArray("stages");
        for (StrategyRun.StageRecord stage : stages) {
            ObjectNode s = stageArray.addObject();
            s.put("afterLayer", stage.afterLayer());
            s.put("candidates", stage.candidatePatches().length);
            s.put("keep", stage.tokens());
            ArrayNode kept = s.putArray("keptPatches");
            Arrays.stream(stage.keptPatches()).forEach(kept::add);
            if (stage.tokenPatches() != null) {
                // A projector stage merged patches (or let CLS in): the patches each kept token covers.
                ArrayNode covered = s.putArray("tokenPatches");
                for (int[] token : stage.tokenPatches()) {
                    ArrayNode one = covered.addArray();
                    Arrays.stream(token).forEach(one::add);
                }
            }
            ArrayNode tokens = s.putArray("tokens");
            int[] candidates = stage.candidatePatches();
            for (int i = 0; i < candidates.length; i++) {
                ObjectNode t = tokens.addObject();
                t.put("patch", candidates[i]);
                t.put("kept", Arrays.binarySearch(stage.keptPatches(), candidates[i]) >= 0);
                for (Map.Entry<String, float[]> score : stage.scores().entrySet()) {
                    float v = score.getValue()[i];
                    if (Float.isFinite(v)) {
                        t.put(score.getKey(), v);
                    } else {
                        t.putNull(score.getKey());
                    }
                }
            }
        }
        return root;
    }

    /** Writes the stages of {@code run} to {@code file}. */
    public static void write(Path file, String strategy, StrategyRun run) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        JSON.writeValue(file.toFile(), toJson(strategy, run.schedule(), run.stages()));
    }
}
