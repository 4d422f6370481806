package org.transprune.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transprune.bench.JsonLines;
import org.transprune.pipeline.TinyCheckpointDirs;
import org.transprune.records.Records;
import org.transprune.records.ResultsLog;
import org.transprune.records.RunLock;
import org.transprune.records.RunRecord;
import org.transprune.synth.Split;
import org.transprune.synth.SynthDataset;

/**
 * Resume for real: a child JVM runs the sweep and is killed with SIGKILL (destroyForcibly) at
 * several points, once with a torn line appended as a kill inside a write would leave it and a line
 * in the middle damaged; the restarted runs must end with exactly the records of an uninterrupted
 * run (volatile fields aside): none duplicated, none missing, none torn.
 *
 * <p>The long version (README, "Reliability") runs the same test with 20 random kills on a larger sweep:
 * {@code -Dtransprune.crash.kills=20 -Dtransprune.crash.images=24}.
 */
class SweepResumeTest {
    /** Random kills after the kill during loading; 2 in the suite, 20 for the long version. */
    static final int KILLS = Integer.getInteger("transprune.crash.kills", 2);

    static final int IMAGES = Integer.getInteger("transprune.crash.images", 4);
    static final int QUESTIONS_PER_IMAGE = 3;

    @TempDir
    static Path shared;

    static Path experiment;

    @BeforeAll
    static void fixtures() throws IOException {
        Path ckpt = TinyCheckpointDirs.write(shared.resolve("ckpt"));
        Path data = shared.resolve("synth");
        SynthDataset.write(data, 11, IMAGES, QUESTIONS_PER_IMAGE, Split.TEST);
        experiment = shared.resolve("sweep.yaml");
        Files.writeString(
                experiment,
                String.join(
                                "\n",
                                "model: {path: " + ckpt + ", device: cpu, weights: fp32}",
                                "benchmarks: [{name: synth, root: " + data + "}]",
                                "max_new_tokens: 3",
                                "strategies:",
                                "  - name: test-keep",
                                "    zip: {layers: [[1], [2]], ratios: [[0.5], [0.25]]}",
                                "    params: {random: true}",
                                "  - test-unpruned",
                                "output: runs/default")
                        + "\n");
    }

    /** Starts {@code transprune run} in a child JVM with the test class path (so test strategies are found). */
    private static Process startChild(Path out, Path log) throws IOException {
        return startChild(List.of("run", experiment.toString(), "--out", out.toString(), "--no-progress"), log);
    }

    /** Starts {@code transprune ARGS} in a child JVM with the test class path. */
    private static Process startChild(List<String> args, Path log) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m",
                "-Djava.awt.headless=true",
                "-Dai.djl.offline=true",
                "-Dai.djl.pytorch.num_threads=1",
                "-Dai.djl.pytorch.num_interop_threads=1",
                "-cp",
                System.getProperty("java.class.path"),
                "org.transprune.cli.Main"));
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().put("DJL_OFFLINE", "true");
        pb.environment().put("OPT_OUT_TRACKING", "true");
        return pb.start();
    }

    private static long sampleLines(Path out) throws IOException {
        Path f = out.resolve(ResultsLog.FILE_NAME);
        if (!Files.exists(f)) {
            return 0;
        }
        try (Stream<String> lines = Files.lines(f)) {
            return lines.filter(l -> l.contains("\"type\":\"sample\"")).count();
        }
    }

    /** Runs a child until it has written at least {@code records} sample lines, then kills it with SIGKILL. */
    private static void runAndKill(Path out, Path log, long records) throws Exception {
        runAndKill(out, log, records, 0);
    }

    /** As above, waiting {@code delayMillis} more before the kill. */
    private static void runAndKill(Path out, Path log, long records, int delayMillis) throws Exception {
        Process p = startChild(out, log);
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (sampleLines(out) < records && p.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(2);
        }
        Thread.sleep(delayMillis);
        assertTrue(
                p.isAlive(),
                "the child must still be running when killed (it finished too early?):\n" + Files.readString(log));
        p.destroyForcibly();
        assertTrue(p.waitFor(1, TimeUnit.MINUTES));
        assertEquals(137, p.exitValue(), "killed by SIGKILL");
    }

    @Test
    void aRunKilledSeveralTimesAndRestartedEndsWithTheRecordsOfAnUninterruptedRun() throws Exception {
        Path killedOut = shared.resolve("killed");
        Path log = shared.resolve("child.log");
        int configurations = 3;
        int samples = IMAGES * QUESTIONS_PER_IMAGE;
        int units = configurations * samples;

        // Killed while loading (before any record), then at random points mid-sweep: after a random number of new
        // records and a random delay of up to 15 ms, so kills also land inside writes and summaries.
        runAndKill(killedOut, log, 0);
        Random random = new Random(Long.getLong("transprune.crash.seed", 20261202L));
        int step = Math.max(1, units / 2 / (KILLS + 1));
        long target = 0;
        for (int k = 0; k < KILLS; k++) {
            target = Math.max(target + 1, sampleLines(killedOut) + 1 + random.nextInt(step));
            runAndKill(killedOut, log, target, random.nextInt(15));
        }
        long before = sampleLines(killedOut);
        assertTrue(before >= target && before < units, "killed mid-run, at " + before + " of " + units);
        // Damage a complete line in the middle (an editor, a disk): it is moved aside and its sample run again.
        Path results = killedOut.resolve(ResultsLog.FILE_NAME);
        List<String> current = new ArrayList<>(Files.readAllLines(results, StandardCharsets.UTF_8));
        int damaged = current.size() / 2;
        String damagedLine = current.get(damaged).substring(0, 25) + "#not json";
        current.set(damaged, damagedLine);
        Files.writeString(results, String.join("\n", current) + "\n", StandardCharsets.UTF_8);
        // A kill inside a write leaves a torn last line; fake one, as SIGKILL rarely lands there by chance.
        Files.writeString(
                killedOut.resolve(ResultsLog.FILE_NAME),
                "{\"type\":\"sample\",\"config\":\"12",
                StandardOpenOption.APPEND);
        Process last = startChild(killedOut, log);
        assertTrue(last.waitFor(5, TimeUnit.MINUTES), "restarted run finishes");
        String childLog = Files.readString(log);
        assertEquals(0, last.exitValue(), childLog);
        assertTrue(childLog.contains("torn last line"), childLog);
        assertTrue(childLog.contains(results + ":" + (damaged + 1) + ": not a record of this schema"), childLog);
        assertEquals(
                List.of(damagedLine),
                Files.readAllLines(killedOut.resolve(ResultsLog.UNREADABLE_FILE), StandardCharsets.UTF_8),
                "the damaged line is kept aside, not dropped");
        assertTrue(childLog.contains("already recorded"), childLog);

        // The uninterrupted reference, in this JVM.
        Path cleanOut = shared.resolve("clean");
        SweepPlan plan =
                ExperimentParser.parse(experiment, ExperimentParser.Mode.RUN).withOutput(cleanOut);
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        SweepRunner.Result r = SweepRunner.run(plan, SweepRunner.Options.quiet(new PrintStream(printed, true)));
        assertEquals(configurations * samples, r.answered());
        assertEquals(
                configurations,
                printed.toString().lines().filter(l -> l.startsWith("done ")).count(),
                "one summary line per configuration: " + printed);

        // Every line of the killed run's file is a whole JSON object (no torn lines survive).
        List<String> lines = Files.readAllLines(killedOut.resolve(ResultsLog.FILE_NAME), StandardCharsets.UTF_8);
        printFigures(lines, ResultsLog.read(killedOut), ResultsLog.read(cleanOut));
        for (String l : lines) {
            assertTrue(JsonLines.MAPPER.readTree(l).isObject(), l);
        }
        Map<String, JsonNode> killed = byUnit(ResultsLog.read(killedOut));
        Map<String, JsonNode> clean = byUnit(ResultsLog.read(cleanOut));
        assertEquals(
                configurations * samples + configurations, clean.size(), "samples plus one summary per configuration");
        assertEquals(clean.keySet(), killed.keySet());
        assertEquals(lines.size(), killed.size(), "no duplicates");
        for (String unit : clean.keySet()) {
            assertEquals(clean.get(unit), killed.get(unit), "record " + unit.replace('\u0000', '|'));
        }
        // Predictions files are rebuilt from records, so they are identical too.
        for (RunConfiguration c : plan.configurations()) {
            Path a = RunDirectory.predictionsFile(cleanOut, c, "synth");
            Path b = RunDirectory.predictionsFile(killedOut, c, "synth");
            assertEquals(samples, Files.readAllLines(a).size());
            assertEquals(Files.readString(a), Files.readString(b));
        }
        // Re-running a finished run does nothing.
        SweepRunner.Result again = SweepRunner.run(plan, SweepRunner.Options.quiet(new PrintStream(printed, true)));
        assertEquals(0, again.answered());
        assertEquals(configurations * samples, again.alreadyDone());
        assertEquals(clean.size(), ResultsLog.read(cleanOut).size());
    }

    @Test
    void aSecondRunOrMergeOnALockedDirectoryExitsAtOnceWithOneLineNamingTheHolder() throws Exception {
        Path out = shared.resolve("locked");
        Path firstLog = shared.resolve("first.log");
        Process first = startChild(out, firstLog);
        Path lockFile = out.resolve(RunLock.FILE_NAME);
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (!(Files.exists(lockFile) && Files.readString(lockFile).contains("pid " + first.pid() + " "))) {
            assertTrue(
                    first.isAlive() && System.nanoTime() < deadline,
                    () -> "the first run takes the lock; its output: " + readQuietly(firstLog));
            Thread.sleep(5);
        }
        // Stopped (SIGSTOP), the first run keeps its lock for as long as this test needs.
        signal(first, "STOP");
        try {
            for (List<String> args : List.of(
                    List.of("run", experiment.toString(), "--out", out.toString(), "--no-progress"),
                    List.of("merge", "--out", out.toString(), "--experiment", experiment.toString(), out.toString()))) {
                Path log = shared.resolve(args.get(0) + "-second.log");
                Process second = startChild(args, log);
                assertTrue(second.waitFor(2, TimeUnit.MINUTES));
                String printed = Files.readString(log);
                assertEquals(2, second.exitValue(), printed);
                List<String> lines = printed.lines().filter(l -> !l.isBlank()).toList();
                assertEquals(1, lines.size(), "one line: " + printed);
                assertTrue(
                        lines.get(0)
                                .startsWith("error: " + out + " is in use by another run (pid " + first.pid()
                                        + " on host "),
                        printed);
                assertTrue(lines.get(0).contains(", started 20"), printed);
            }
            assertFalse(Files.exists(out.resolve("report")), "the second run wrote nothing");
        } finally {
            signal(first, "CONT");
            // Killed with SIGKILL, the holder's lock goes with it: the next run takes over and finishes.
            first.destroyForcibly();
        }
        assertTrue(first.waitFor(1, TimeUnit.MINUTES));
        Path log = shared.resolve("third.log");
        Process third = startChild(out, log);
        assertTrue(third.waitFor(5, TimeUnit.MINUTES));
        assertEquals(0, third.exitValue(), Files.readString(log));
    }

    /** The figures of the crash test (also asserted below): duplicated, missing, torn and differing records. */
    private static void printFigures(List<String> lines, List<RunRecord> killed, List<RunRecord> clean) {
        int torn = 0;
        for (String l : lines) {
            try {
                torn += JsonLines.MAPPER.readTree(l).isObject() ? 0 : 1;
            } catch (IOException e) {
                torn++;
            }
        }
        Map<String, List<JsonNode>> byKey = new TreeMap<>();
        for (RunRecord r : killed) {
            byKey.computeIfAbsent(Records.key(r), k -> new ArrayList<>()).add(Records.withoutVolatile(r));
        }
        int duplicated = 0;
        for (List<JsonNode> v : byKey.values()) {
            duplicated += v.size() - 1;
        }
        int missing = 0;
        int differing = 0;
        for (RunRecord r : clean) {
            List<JsonNode> k = byKey.get(Records.key(r));
            if (k == null) {
                missing++;
            } else if (!k.get(0).equals(Records.withoutVolatile(r))) {
                differing++;
            }
        }
        System.out.printf(
                Locale.ROOT,
                "crash test: %d random kills + 1 while loading; %d records of an uninterrupted run, %d after the kills:"
                        + " %d duplicated, %d missing, %d torn, %d differing (volatile fields aside)%n",
                KILLS,
                clean.size(),
                killed.size(),
                duplicated,
                missing,
                torn,
                differing);
        assertEquals(0, duplicated + missing + torn + differing);
    }

    private static void signal(Process p, String signal) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(p.pid())).start();
        assertTrue(kill.waitFor(1, TimeUnit.MINUTES));
        assertEquals(0, kill.exitValue(), "kill -" + signal);
    }

    /** Records by unit (samples) or by (config, benchmark) (summaries), without timing fields; fails on duplicates. */
    static Map<String, JsonNode> byUnit(List<RunRecord> records) {
        Map<String, JsonNode> out = new TreeMap<>();
        for (RunRecord r : records) {
            String key = Records.key(r);
            JsonNode previous = out.put(key, Records.withoutVolatile(r));
            assertFalse(previous != null, "duplicate record " + key.replace('\u0000', '|'));
        }
        return out;
    }

    private static String readQuietly(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "(unreadable: " + e.getMessage() + ")";
        }
    }
}
