package org.transprune.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transprune.cli.CliRun;
import org.transprune.pipeline.TinyCheckpointDirs;
import org.transprune.synth.Split;
import org.transprune.synth.SynthDataset;

/** {@code chain:} entries: a projector-stage strategy then an in-LLM one (docs/method.md#chaining). */
class ChainEntryTest {
    @TempDir
    static Path shared;

    static Path ckpt;
    static Path data;

    @TempDir
    Path tmp;

    @BeforeAll
    static void fixtures() throws IOException {
        ckpt = TinyCheckpointDirs.write(shared.resolve("ckpt"));
        data = shared.resolve("synth");
        SynthDataset.write(data, 7, 2, 2, Split.TEST);
    }

    private Path write(String... lines) throws IOException {
        Path f = tmp.resolve("chain.yaml");
        Files.writeString(f, String.join("\n", lines) + "\n");
        return f;
    }

    private static String[] header() {
        return new String[] {
            "model: {path: " + ckpt + ", device: cpu}", "benchmarks: [{name: synth, root: " + data + ", limit: 3}]"
        };
    }

    @Test
    void aChainMultipliesItsMembersCombinationsAndPricesTheWholeSchedule() throws IOException {
        Path f = write(
                header()[0],
                header()[1],
                "strategies:",
                "  - chain:",
                "      - {name: test-first, params: {tokens: 8}}",
                "      - {name: test-keep, grid: {ratios: [[0.5], [0.25]]}}",
                "    label: first+keep",
                "  - chain: [{name: test-first, params: {tokens: 6}}, test-keep]");
        List<RunConfiguration> cs =
                ExperimentParser.parse(f, ExperimentParser.Mode.DRY_RUN).configurations();
        assertEquals(3, cs.size());
        RunConfiguration half = cs.get(0);
        assertEquals("test-first+test-keep", half.strategy());
        assertEquals("first+keep", half.label());
        assertEquals(8, half.parameters().get("test-first.tokens"));
        assertEquals(List.of(0.5), half.parameters().get("test-keep.ratios"));
        assertEquals(false, half.parameters().get("test-first.merge"));
        // 16 image tokens, 8 enter the decoder, int(8 * 0.5) = 4 after layer 2; int(8 * 0.25) = 2.
        assertEquals("after [0, 2]: 16 -> 8 -> 4", half.cost().schedule().describe());
        assertEquals("after [0, 2]: 16 -> 8 -> 2", cs.get(1).cost().schedule().describe());
        assertEquals("test-first+test-keep", cs.get(2).label(), "the chain's name when no label is given");
        assertEquals("after [0, 2]: 16 -> 6 -> 3", cs.get(2).cost().schedule().describe());
        assertEquals((2 * 8 + 2 * 4) / 4.0, half.cost().averageRetainedTokens());
        // Both members' code and parameters are in the hash.
        assertEquals(3, cs.stream().map(RunConfiguration::hash).distinct().count());
        assertTrue(half.canonicalJson().contains("\"test-first.tokens\":8"), half.canonicalJson());
        assertEquals("test-first+test-keep", half.code().name());
        assertNotEquals(
                org.transprune.prune.StrategyCode.of(org.transprune.prune.Strategies.provider("test-keep"))
                        .digest(),
                half.code().digest());
    }

    @Test
    void chainProblemsNameFileLineAndKey() throws IOException {
        String[] lines = {
            header()[0],
            header()[1],
            "strategies:",
            "  - chain: [test-first]",
            "  - chain:",
            "      - test-keep",
            "      - test-keep",
            "  - chain:",
            "      - {name: test-first, params: {tokenz: 3}}",
            "      - test-keep",
            "  - chain:",
            "      - test-first",
            "      - test-first",
            "  - chain: [test-first, test-keep]",
            "    lable: oops",
        };
        Path f = write(lines);
        ExperimentException e = assertThrows(
                ExperimentException.class, () -> ExperimentParser.parse(f, ExperimentParser.Mode.RUN, k -> null));
        List<ExperimentProblem> ps = e.problems();
        assertProblem(ps, "strategies[0].chain", "must list two strategies", 4);
        assertProblem(ps, "strategies[1].chain[0].name", "prunes inside the decoder", 6);
        assertProblem(ps, "strategies[2].chain[0].params.tokenz", "no parameter 'tokenz'", 9);
        assertProblem(ps, "strategies[3].chain[1].name", "decides before the decoder", 13);
        assertProblem(ps, "strategies[4].lable", "unknown key", 15);
        assertEquals(5, ps.size(), ps.toString());
    }

    private static void assertProblem(List<ExperimentProblem> ps, String key, String text, int line) {
        ExperimentProblem p = ps.stream()
                .filter(x -> x.key().startsWith(key) && x.message().contains(text))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no problem at " + key + " with '" + text + "' in " + ps));
        assertEquals(line, p.line(), p.toString());
    }

    @Test
    void aChainedRunRecordsEveryStageInOriginalPatches() throws Exception {
        Path out = tmp.resolve("runs");
        Path f = write(
                header()[0],
                header()[1],
                "output: " + out,
                "strategies:",
                "  - chain:",
                "      - {name: test-first, params: {tokens: 8, merge: true}}",
                "      - {name: test-keep, params: {layers: [2], ratios: [0.5]}}");
        CliRun dry = CliRun.execute("run", f.toString(), "--dry-run");
        assertEquals(0, dry.exit(), dry.err());
        assertTrue(dry.out().contains("16 -> 8 -> 4"), dry.out());
        CliRun r = CliRun.execute("run", f.toString());
        assertEquals(0, r.exit(), r.err() + r.out());
        List<ObjectNode> records = RecordJson.read(out);
        int samples = 0;
        for (ObjectNode rec : records) {
            if (!RecordJson.isSample(rec)) {
                continue;
            }
            samples++;
            JsonNode kept = rec.path("kept_patches");
            assertEquals(2, kept.size(), rec.toString());
            // 7 first patches + one token at patch 7 merging patches 8..15; the decoder stage keeps the
            // first 4 entering tokens: patches 0..3.
            assertEquals("[0,1,2,3,4,5,6,7]", kept.get(0).toString(), rec.toString());
            assertEquals("[0,1,2,3]", kept.get(1).toString(), rec.toString());
            JsonNode perLayer = rec.path("tokens_per_layer");
            int text = perLayer.get(0).asInt() - 8;
            assertEquals(text + 4, perLayer.get(3).asInt(), rec.toString());
        }
        assertEquals(3, samples);
    }
}
