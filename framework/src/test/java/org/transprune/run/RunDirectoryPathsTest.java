package org.transprune.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Paths in {@code plan.json}: relative inside the run directory's checkout, so a committed run reads the same in every
 * clone.
 */
class RunDirectoryPathsTest {
    @TempDir
    Path tmp;

    @Test
    void filesInTheSameCheckoutAreRecordedRelativeToTheRunDirectoryAndOthersAbsolute() throws IOException {
        Path repo = Files.createDirectories(tmp.resolve("repo"));
        Files.createDirectories(repo.resolve(".git"));
        Path run = Files.createDirectories(repo.resolve("results/default"));
        Path questions = repo.resolve("experiments/data/synth-test/questions.jsonl");
        assertEquals("../../experiments/data/synth-test/questions.jsonl", RunDirectory.recorded(run, questions));
        assertEquals(questions, RunDirectory.resolved(run, RunDirectory.recorded(run, questions)));
        // outside the checkout (a data root elsewhere): absolute, read back as it is
        Path elsewhere = tmp.resolve("eval/gqa/questions.jsonl");
        assertEquals(elsewhere.toString(), RunDirectory.recorded(run, elsewhere));
        assertEquals(elsewhere, RunDirectory.resolved(run, elsewhere.toString()));
        // a run directory outside any checkout records absolute paths, as before
        Path loose = Files.createDirectories(tmp.resolve("runs/x"));
        assertEquals(questions.toString(), RunDirectory.recorded(loose, questions));
    }

    @Test
    void aCommittedPlanReadsTheSameAfterTheCheckoutMoves() throws IOException {
        Path repo = Files.createDirectories(tmp.resolve("a/repo"));
        Files.createDirectories(repo.resolve(".git"));
        Path run = Files.createDirectories(repo.resolve("results/default"));
        Path data = Files.createDirectories(repo.resolve("experiments/data/synth-test"));
        Files.createDirectories(data.resolve("images"));
        Files.writeString(data.resolve("questions.jsonl"), "");
        Files.writeString(data.resolve("answers.jsonl"), "");
        Path experiment = repo.resolve("experiments/default.yaml");
        Files.writeString(
                run.resolve(RunDirectory.PLAN),
                "{\"experiment\": \"" + RunDirectory.recorded(run, experiment) + "\", \"configurations\": [],"
                        + " \"benchmarks\": [{\"label\": \"synth\", \"name\": \"synth\", \"questions\": \""
                        + RunDirectory.recorded(run, data.resolve("questions.jsonl")) + "\", \"images\": \""
                        + RunDirectory.recorded(run, data.resolve("images")) + "\", \"annotations\": \""
                        + RunDirectory.recorded(run, data.resolve("answers.jsonl")) + "\", \"on_error\": \"skip\"}]}");
        // a second clone somewhere else: the same bytes, its own files
        Path clone = tmp.resolve("b/clone");
        copy(repo, clone);
        Path cloneRun = clone.resolve("results/default");
        assertEquals(
                Files.readString(run.resolve(RunDirectory.PLAN)),
                Files.readString(cloneRun.resolve(RunDirectory.PLAN)));
        List<String> warnings = new ArrayList<>();
        List<BenchmarkSpec> specs = RunDirectory.benchmarks(cloneRun, warnings);
        assertEquals(List.of(), warnings);
        assertEquals(1, specs.size());
        Path cloneData = clone.resolve("experiments/data/synth-test").toAbsolutePath();
        assertEquals(cloneData.resolve("questions.jsonl"), specs.get(0).questions());
        assertEquals(cloneData.resolve("images"), specs.get(0).images());
        assertEquals(cloneData.resolve("answers.jsonl"), specs.get(0).annotations());
        assertEquals(clone.resolve("experiments/default.yaml").toAbsolutePath(), RunDirectory.experimentOf(cloneRun));
        assertTrue(Files.isRegularFile(specs.get(0).questions()));
    }

    private static void copy(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path p : files.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }
}
