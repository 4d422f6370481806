package org.transprune.run;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.transprune.Versions;
import org.transprune.records.Code;
import org.transprune.records.RecordProvenance;
import org.transprune.records.RunLock;

/**
 * Where a result came from, as Tribuo attaches to every model and evaluation: the code (project
 * version, git commit), the libraries (DJL, PyTorch), the machine (host, device). Each record adds
 * its configuration hash, seed and start/end time.
 *
 * @param projectVersion the project's Maven version
 * @param gitCommit the commit the code was built from ({@code -dirty} when the work tree had
 *     changes), or "unknown"
 * @param djl DJL version
 * @param pytorch PyTorch (libtorch) version
 * @param device the device the model ran on
 * @param host the machine's name
 * @param anyRes LLaVA-NeXT's rule set the model reads images under, or null for a single-view model
 */
public record Provenance(
        String projectVersion,
        String gitCommit,
        String djl,
        String pytorch,
        String device,
        String host,
        String anyRes) {

    /** The provenance of this process running on {@code device}. */
    public static Provenance current(String device) {
        return new Provenance(
                Versions.project(),
                currentCommit(),
                Versions.djl(),
                Versions.pytorch(),
                device,
                RunLock.hostName(),
                null);
    }

    /** This provenance for a model reading images under the AnyRes rule set {@code rules} (null: none). */
    public Provenance withAnyRes(String rules) {
        return new Provenance(projectVersion, gitCommit, djl, pytorch, device, host, rules);
    }

    /** A record's provenance with the code of its configuration's strategy. */
    public RecordProvenance forRecord(String configHash, long seed, Code code, Instant start, Instant end) {
        return new RecordProvenance(
                configHash,
                seed,
                projectVersion,
                gitCommit,
                djl,
                pytorch,
                device,
                host,
                start == null ? null : start.toString(),
                end == null ? null : end.toString(),
                code,
                anyRes);
    }

    /**
     * The commit of the code that runs: {@code git rev-parse HEAD} in the directory the classes
     * were loaded from (the build tree during development), else the value baked in at build time
     * ({@code -Dgit.commit=...}), else "unknown". The working directory is not asked: it may be
     * the user's own repository, not this code's.
     */
    public static String currentCommit() {
        try {
            Path codeDir = Path.of(Provenance.class
                    .getProtectionDomain()
                    .getCodeSource()
                    .getLocation()
                    .toURI());
            Path dir = Files.isDirectory(codeDir) ? codeDir : codeDir.getParent();
            String head = git(dir, "rev-parse", "HEAD");
            if (head != null && head.matches("[0-9a-f]{40}")) {
                String status = git(dir, "status", "--porcelain", "--untracked-files=no");
                return head + (status != null && !status.isBlank() ? "-dirty" : "");
            }
        } catch (Exception e) {
            // no git, no work tree, or a jar outside any repository: fall back to the build-time value
        }
        String built = Versions.commit();
        return built == null || built.isBlank() || built.startsWith("${") ? "unknown" : built;
    }

    private static String git(Path dir, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("git", "-C", dir.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd)
                .redirectErrorStream(false)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return null;
        }
        return p.exitValue() == 0 ? new String(out, StandardCharsets.UTF_8).strip() : null;
    }
}
