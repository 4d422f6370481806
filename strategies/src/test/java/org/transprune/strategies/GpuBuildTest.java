package org.transprune.strategies;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The GPU profile is a real build: packaged offline (with the project's own poms, wrapper and launcher
 * copied to a scratch directory, sources left out so only packaging is exercised), its jar set carries
 * no CPU natives, its marker says gpu, and the launcher neither undoes it (a rebuild keeps -Pgpu) nor
 * forces DJL offline. Also the launcher's plan for CPU builds and for a tree that was never built.
 */
class GpuBuildTest {
    @TempDir
    static Path scratch;

    private static Path root;

    @BeforeAll
    static void buildGpuProfile() throws Exception {
        Path project = Path.of("..").toAbsolutePath().normalize();
        root = scratch.resolve("project");
        for (String f : List.of(
                "pom.xml",
                "mvnw",
                "transprune",
                ".mvn/wrapper/maven-wrapper.properties",
                "framework/pom.xml",
                "strategies/pom.xml",
                "strategies/src/build/natives.properties")) {
            Path to = root.resolve(f);
            Files.createDirectories(to.getParent());
            Files.copy(project.resolve(f), to, StandardCopyOption.COPY_ATTRIBUTES);
        }
        Files.createDirectories(root.resolve("framework/src/main"));
        Files.createDirectories(root.resolve("strategies/src/main"));
        // A CPU native jar left by an earlier CPU build must not survive the switch to -Pgpu.
        Path lib = root.resolve("strategies/target/lib");
        Files.createDirectories(lib);
        Files.writeString(lib.resolve("pytorch-native-cpu-2.7.1-linux-x86_64.jar"), "stale");

        Result build = run(Map.of(), "./mvnw", "-o", "-B", "-q", "-Pgpu", "-DskipTests", "package");
        assertEquals(0, build.code, build.output);
    }

    @Test
    void theGpuJarSetCarriesNoCpuNatives() throws IOException {
        List<String> jars;
        try (Stream<Path> s = Files.list(root.resolve("strategies/target/lib"))) {
            jars = s.map(p -> p.getFileName().toString()).sorted().toList();
        }
        assertTrue(jars.contains("pytorch-engine-0.36.0.jar"), jars.toString());
        assertTrue(jars.contains("pytorch-jni-2.7.1-0.36.0.jar"), jars.toString());
        assertFalse(jars.stream().anyMatch(j -> j.startsWith("pytorch-native")), jars.toString());
        assertTrue(Files.isRegularFile(root.resolve("strategies/target/transprune.jar")));
        String marker = Files.readString(root.resolve("strategies/target/natives.properties"));
        assertTrue(marker.contains("\nnatives=gpu\n"), marker);
        assertTrue(marker.contains("\npytorch_version=2.7.1\n"), marker);
    }

    @Test
    void theLauncherKeepsTheGpuBuildAndDoesNotForceOffline() throws Exception {
        assertEquals(List.of("build: none", "natives: gpu", "offline: false"), plan());
        // Sources changed: the rebuild keeps the GPU profile.
        Files.setLastModifiedTime(root.resolve("pom.xml"), FileTime.fromMillis(System.currentTimeMillis() + 60_000));
        try {
            assertEquals(
                    List.of("build: ./mvnw -B -q -Pgpu -DskipTests package", "natives: gpu", "offline: false"), plan());
        } finally {
            Files.setLastModifiedTime(root.resolve("pom.xml"), FileTime.fromMillis(0));
        }
    }

    @Test
    void aCpuBuildRunsOfflineAndAnUnbuiltTreeBuildsTheCpuProfile() throws Exception {
        Path marker = root.resolve("strategies/target/natives.properties");
        String gpu = Files.readString(marker);
        try {
            Files.writeString(marker, gpu.replace("natives=gpu", "natives=cpu"));
            Files.setLastModifiedTime(marker, FileTime.fromMillis(0));
            assertEquals(List.of("build: none", "natives: cpu", "offline: true"), plan());
            Files.delete(marker);
            assertEquals(List.of("build: ./mvnw -B -q -DskipTests package", "natives: none", "offline: true"), plan());
        } finally {
            Files.writeString(marker, gpu);
            Files.setLastModifiedTime(marker, FileTime.fromMillis(0));
        }
    }

    private static List<String> plan() throws Exception {
        Result r = run(Map.of("TRANSPRUNE_LAUNCHER_PLAN", "1"), "./transprune", "--help");
        assertEquals(0, r.code, r.output);
        return r.output.lines().toList();
    }

    private record Result(int code, String output) {}

    private static Result run(Map<String, String> env, String... command) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(new ArrayList<>(List.of(command)))
                .directory(root.toFile())
                .redirectErrorStream(true);
        pb.environment().remove("TRANSPRUNE_SKIP_BUILD");
        pb.environment().putAll(env);
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "timed out: " + String.join(" ", command));
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }
}
