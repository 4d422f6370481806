package org.transprune.strategies;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transprune.Versions;
import org.transprune.prune.Plugins;
import org.transprune.prune.PruningStrategy;
import org.transprune.prune.Strategies;
import org.transprune.prune.StrategyCode;
import org.transprune.prune.StrategyRun;

/**
 * {@code examples/strategy-plugin} builds as the separate project it is: its own {@code mvn verify}
 * (with the conformance suite) runs offline against this build's framework jar and test-jar, put
 * into a fresh local repository whose tail is the user's (Maven 3.9's chained local repository),
 * and the jar it produces loads through the plug-in path.
 */
class ExamplePluginBuildTest {
    @TempDir
    Path tmp;

    @AfterEach
    void forget() {
        Plugins.clear();
    }

    @Test
    void theExampleBuildsPassesTheSuiteAndLoadsAsAPlugin() throws Exception {
        Path root = Path.of("").toAbsolutePath().getParent();
        String version = Versions.project();
        Path frameworkJar = root.resolve("framework/target/transprune-framework-" + version + ".jar");
        Path testJar = root.resolve("framework/target/transprune-framework-" + version + "-tests.jar");
        Assumptions.assumeTrue(
                Files.isRegularFile(frameworkJar) && Files.isRegularFile(testJar),
                "the framework's jars are built by the package phase (run ./mvnw verify)");

        Path repo = tmp.resolve("repo");
        Path parentDir = Files.createDirectories(repo.resolve("org/transprune/transprune-parent/" + version));
        Files.copy(root.resolve("pom.xml"), parentDir.resolve("transprune-parent-" + version + ".pom"));
        Path fwDir = Files.createDirectories(repo.resolve("org/transprune/transprune-framework/" + version));
        Files.copy(root.resolve("framework/pom.xml"), fwDir.resolve("transprune-framework-" + version + ".pom"));
        Files.copy(frameworkJar, fwDir.resolve(frameworkJar.getFileName()));
        Files.copy(testJar, fwDir.resolve(testJar.getFileName()));

        Path project = copy(root.resolve("examples/strategy-plugin"), tmp.resolve("strategy-plugin"));
        Path userRepo = Path.of(System.getProperty("user.home"), ".m2", "repository");
        List<String> cmd = new ArrayList<>(List.of(
                root.resolve("mvnw").toString(),
                "-o",
                "-B",
                "-q",
                "-f",
                project.resolve("pom.xml").toString(),
                "-Dmaven.repo.local=" + repo,
                "-Dmaven.repo.local.tail=" + userRepo,
                "verify"));
        Path log = tmp.resolve("build.log");
        Process p = new ProcessBuilder(cmd)
                .directory(project.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "the example's build took over 5 minutes");
        assertEquals(0, p.exitValue(), "mvn verify of the example failed:\n" + Files.readString(log));

        Path reports = project.resolve("target/surefire-reports");
        String suite = Files.readString(reports.resolve("TEST-org.example.l2norm.L2NormConformanceTest.xml"));
        assertTrue(suite.contains("failures=\"0\"") && suite.contains("errors=\"0\""), suite);
        assertTrue(!suite.contains("tests=\"0\""), "the suite ran");

        Path jar = project.resolve("target/l2norm-strategy-1.0.jar");
        Plugins.add(jar.toString());
        assertTrue(Strategies.names().contains("l2norm"), Strategies.names().toString());
        StrategyCode code = StrategyCode.of(Strategies.provider("l2norm"));
        assertEquals("1.0", code.version());
        assertEquals(jar.toString(), code.source());
        PruningStrategy s = Strategies.create("l2norm", Map.of("layers", List.of(1), "ratios", List.of(0.5)));
        StrategyRun run = StrategyRun.start(s, 8, 4, 0);
        assertTrue(s.signals(2, run.schedule()).hiddenStates(), "hidden state entering layer 2 for the prune after 1");
        assertTrue(!s.signals(1, run.schedule()).hiddenStates());
        assertEquals(4, run.schedule().stages().get(0).keep());
    }

    private static Path copy(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path f : files.toList()) {
                Path rel = from.relativize(f);
                if (rel.startsWith("target")) {
                    continue;
                }
                Path t = to.resolve(rel.toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(t);
                } else {
                    Files.copy(f, t, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        return to;
    }
}
