package org.transprune.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.Callable;
import org.transprune.run.ExperimentException;
import org.transprune.run.ExperimentParser;
import org.transprune.run.SlurmScript;
import org.transprune.run.SweepPlan;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code transprune slurm FILE --shards N}: sbatch scripts for a sharded sweep and its merge. */
@Command(
        name = "slurm",
        mixinStandardHelpOptions = true,
        description = {
            "Writes Slurm scripts: an array job running each shard (transprune run --shard i/N), a merge job, and a",
            "submit script queuing the merge after the array. The experiment is validated first.",
        })
public final class SlurmCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "FILE", description = "experiment YAML file")
    Path file;

    @Option(names = "--shards", required = true, paramLabel = "N", description = "number of array tasks")
    int shards;

    @Option(names = "--dir", paramLabel = "DIR", description = "where to write the scripts (default: OUT/slurm)")
    Path dir;

    @Option(names = "--out", paramLabel = "DIR", description = "run directory (default: the file's output:)")
    Path out;

    @Option(
            names = "--launcher",
            paramLabel = "CMD",
            description =
                    "transprune command on the nodes (default: this checkout's ./transprune if present, else transprune)")
    String launcher;

    @Option(
            names = "--time",
            defaultValue = "24:00:00",
            description = "time limit per task (default: ${DEFAULT-VALUE})")
    String time;

    @Option(names = "--partition", description = "Slurm partition")
    String partition;

    @Option(names = "--cpus-per-task", defaultValue = "8", description = "default: ${DEFAULT-VALUE}")
    int cpus;

    @Option(names = "--mem", defaultValue = "32G", description = "memory per task (default: ${DEFAULT-VALUE})")
    String mem;

    @Option(names = "--gpus", defaultValue = "0", description = "GPUs per task (default: ${DEFAULT-VALUE})")
    int gpus;

    @Option(names = "--java-opts", defaultValue = "-Xmx4g", description = "JVM options (default: ${DEFAULT-VALUE})")
    String javaOpts;

    @Override
    public Integer call() throws Exception {
        if (shards < 1) {
            throw new UserError("--shards must be at least 1, got " + shards);
        }
        SweepPlan plan;
        try {
            // The nodes check paths when they run; here only the file's own consistency must hold.
            plan = ExperimentParser.parse(file, ExperimentParser.Mode.DRY_RUN);
        } catch (ExperimentException e) {
            throw new UserError(e.getMessage());
        }
        Path output = out != null ? out.toAbsolutePath().normalize() : plan.output();
        String cmd = launcher;
        if (cmd == null) {
            Path local = Path.of("transprune").toAbsolutePath();
            cmd = Files.isExecutable(local) ? "'" + local + "'" : "transprune";
        }
        SlurmScript s = new SlurmScript(
                file.toAbsolutePath().normalize(), shards, cmd, output, time, partition, cpus, mem, gpus, javaOpts);
        Path where = dir != null ? dir : output.resolve("slurm");
        Files.createDirectories(where);
        Path array = where.resolve(plan.name() + "-shards.sbatch");
        Path merge = where.resolve(plan.name() + "-merge.sbatch");
        Path submit = where.resolve(plan.name() + "-submit.sh");
        Files.writeString(array, s.arrayScript(plan.name()));
        Files.writeString(merge, s.mergeScript(plan.name()));
        Files.writeString(submit, s.submitScript(array, merge));
        Files.setPosixFilePermissions(submit, PosixFilePermissions.fromString("rwxr-xr-x"));
        System.out.println("wrote " + array + "\n      " + merge + "\n      " + submit + "\nsubmit with: " + submit);
        return 0;
    }
}
