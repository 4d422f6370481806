package org.transprune.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transprune.bench.JsonLines;
import org.transprune.cli.CliRun;
import org.transprune.pipeline.TinyCheckpointDirs;
import org.transprune.prune.PluginJars;
import org.transprune.prune.Plugins;
import org.transprune.synth.Split;
import org.transprune.synth.SynthDataset;

/**
 * A plug-in named by an experiment's {@code plugins:} runs like a built-in strategy, and its code
 * is part of what makes a sample "already recorded": a changed scoring line re-runs its samples
 * into the same directory, a rebuild of unchanged code does not.
 */
class PluginRunTest {
    @TempDir
    Path tmp;

    @AfterEach
    void forget() {
        Plugins.clear();
    }

    private static CliRun cli(String... args) {
        Plugins.clear(); // each command is a fresh process for the plug-in path
        return CliRun.execute(args);
    }

    /** Builds the plug-in and puts it at {@code tmp/exp/plugins/edge.jar}, replacing what was there. */
    private Path install(boolean keepLast) throws IOException {
        Path built = Files.createTempDirectory(tmp, "build");
        Path jar = PluginJars.strategyJar(built, "org.example.run", "edge", keepLast, "1.0");
        Path target = Files.createDirectories(tmp.resolve("exp/plugins")).resolve("edge.jar");
        return Files.move(jar, target, StandardCopyOption.REPLACE_EXISTING);
    }

    private List<JsonNode> samples(Path dir) throws IOException {
        List<JsonNode> out = new java.util.ArrayList<>();
        for (String line : Files.readAllLines(dir.resolve(org.transprune.records.ResultsLog.FILE_NAME))) {
            JsonNode r = JsonLines.MAPPER.readTree(line);
            if ("sample".equals(r.path("type").asText())) {
                out.add(r);
            }
        }
        return out;
    }

    @Test
    void aChangedPluginReRunsItsSamplesAndARebuildDoesNot() throws Exception {
        Path ckpt = TinyCheckpointDirs.write(tmp.resolve("ckpt"));
        Path data = tmp.resolve("synth");
        SynthDataset.write(data, 7, 2, 2, Split.TEST);
        Path exp = tmp.resolve("exp/plugin.yaml");
        install(false);
        Files.writeString(
                exp,
                String.join(
                                "\n",
                                "plugins: [plugins/edge.jar]",
                                "model: {path: " + ckpt + ", device: cpu, weights: fp32}",
                                "benchmarks: [{name: synth, root: " + data + "}]",
                                "max_new_tokens: 2",
                                "strategies: [edge, test-unpruned]",
                                "output: runs/edge")
                        + "\n");
        Path dir = tmp.resolve("exp/runs/edge");

        CliRun first = cli("run", exp.toString(), "--no-progress", "--no-report");
        assertEquals(0, first.exit(), first.err() + first.out());
        assertTrue(first.out().contains("8 samples answered, 0 already recorded"), first.out());
        String digest1 = codeOf(samples(dir), "edge");

        install(false); // rebuilt from the same source
        CliRun rebuilt = cli("run", exp.toString(), "--no-progress", "--no-report");
        assertEquals(0, rebuilt.exit(), rebuilt.err());
        assertTrue(rebuilt.out().contains("0 samples answered, 8 already recorded"), rebuilt.out());

        install(true); // one scoring line changed: keep the last half instead of the first
        CliRun changed = cli("run", exp.toString(), "--no-progress", "--no-report");
        assertEquals(0, changed.exit(), changed.err());
        assertTrue(changed.out().contains("4 samples answered, 4 already recorded"), changed.out());
        List<JsonNode> all = samples(dir);
        assertEquals(12, all.size());
        String digest2 = codeOf(all.subList(8, 12), "edge");
        assertNotEquals(digest1, digest2);
        // The new samples kept other tokens: the last half of the 16 image tokens after layer 1.
        for (JsonNode r : all.subList(8, 12)) {
            assertEquals("[[8,9,10,11,12,13,14,15]]", r.get("kept_patches").toString());
            assertEquals(
                    "1.0", r.path("provenance").path("code").path("version").asText());
        }
        JsonNode plan = JsonLines.MAPPER.readTree(dir.resolve(RunDirectory.PLAN).toFile());
        Set<String> planned = new TreeSet<>();
        plan.path("configurations")
                .forEach(c -> planned.add(c.path("code").path("digest").asText()));
        assertTrue(planned.contains(digest2) && !planned.contains(digest1), planned.toString());

        CliRun table = cli("table", dir.toString(), "--no-plots");
        assertEquals(0, table.exit(), table.err());
        String md = Files.readString(dir.resolve("report/table.md"));
        assertTrue(md.contains("Code of each configuration"), md);
        assertTrue(!md.contains(digest1), "the old code's configuration is left out of the report: " + md);
        assertTrue(md.contains("| edge ") && md.contains("| 1.0 ") && md.contains(digest2), md);

        CliRun listed = cli("--plugins", tmp.resolve("exp/plugins/edge.jar").toString(), "strategies", "edge");
        assertEquals(0, listed.exit(), listed.err());
        assertTrue(listed.out().contains("edge - keeps the first or last half"), listed.out());
        assertTrue(listed.out().contains("code 1.0 digest " + digest2), listed.out());
    }

    private static String codeOf(List<JsonNode> records, String strategy) {
        Set<String> digests = new TreeSet<>();
        for (JsonNode r : records) {
            if (r.path("strategy").asText().equals(strategy)) {
                digests.add(r.path("provenance").path("code").path("digest").asText());
            }
        }
        assertEquals(1, digests.size(), digests.toString());
        return digests.iterator().next();
    }
}
