package org.transprune.run;

import java.nio.file.Path;
import java.util.Locale;

/**
 * Slurm job scripts for a sharded sweep: an array job whose task {@code i} runs
 * {@code transprune run FILE --shard i/N}, a merge job, and a submit script that queues the merge
 * to start when every array task has ended ({@code afterany}: a task that failed or ran out of
 * time leaves its finished records, the merge reports what is missing, and resubmitting the array
 * resumes only the missing work).
 *
 * @param experiment the experiment file (absolute)
 * @param shards number of array tasks
 * @param launcher the transprune command on the cluster nodes
 * @param output the run directory
 * @param time per-task time limit, e.g. {@code 24:00:00}
 * @param partition Slurm partition, or null
 * @param cpusPerTask CPUs per task
 * @param memory memory per task, e.g. {@code 32G}
 * @param gpus GPUs per task (0 for none)
 * @param javaOptions JVM options (heap cap: see docs/djl-notes.md#pitfall-8 on long runs)
 */
public record SlurmScript(
        Path experiment,
        int shards,
        String launcher,
        Path output,
        String time,
        String partition,
        int cpusPerTask,
        String memory,
        int gpus,
        String javaOptions) {

    /** The array job script. */
    public String arrayScript(String name) {
        StringBuilder sb = header(name + "-shards", "%x-%A_%a.log");
        sb.append(String.format(Locale.ROOT, "#SBATCH --array=0-%d%n", shards - 1));
        body(sb);
        sb.append(String.format(
                Locale.ROOT,
                "exec %s run %s --shard \"${SLURM_ARRAY_TASK_ID}/%d\" --no-progress" + " --out %s%n",
                launcher,
                quote(experiment),
                shards,
                quote(output)));
        return sb.toString();
    }

    /** The merge job script. */
    public String mergeScript(String name) {
        StringBuilder sb = header(name + "-merge", "%x-%j.log");
        body(sb);
        sb.append(String.format(
                Locale.ROOT,
                "exec %s merge --out %s --experiment %s %s/shards/shard-*-of-%d%n",
                launcher,
                quote(output),
                quote(experiment),
                quote(output),
                shards));
        return sb.toString();
    }

    /** Submits the array, then the merge depending on it. */
    public String submitScript(Path arrayFile, Path mergeFile) {
        return "#!/usr/bin/env bash\n"
                + "# Queues the shards, then the merge once every shard has ended.\n"
                + "set -euo pipefail\n"
                + "array=$(sbatch --parsable " + quote(arrayFile) + ")\n"
                + "array=${array%%;*}\n"
                + "merge=$(sbatch --parsable --dependency=afterany:${array} " + quote(mergeFile) + ")\n"
                + "echo \"submitted shards as job ${array}, merge as job ${merge}\"\n";
    }

    private StringBuilder header(String jobName, String logPattern) {
        StringBuilder sb = new StringBuilder("#!/usr/bin/env bash\n");
        sb.append("#SBATCH --job-name=").append(jobName).append('\n');
        sb.append("#SBATCH --output=")
                .append(output.resolve("slurm").resolve(logPattern))
                .append('\n');
        sb.append("#SBATCH --time=").append(time).append('\n');
        sb.append("#SBATCH --cpus-per-task=").append(cpusPerTask).append('\n');
        sb.append("#SBATCH --mem=").append(memory).append('\n');
        if (partition != null) {
            sb.append("#SBATCH --partition=").append(partition).append('\n');
        }
        if (gpus > 0) {
            sb.append("#SBATCH --gpus=").append(gpus).append('\n');
        }
        return sb;
    }

    private void body(StringBuilder sb) {
        sb.append("set -euo pipefail\n");
        sb.append("mkdir -p ").append(quote(output.resolve("slurm"))).append('\n');
        // A capped heap keeps a long sweep's memory flat (the model's weights live off-heap).
        sb.append("export TRANSPRUNE_JAVA_OPTS=\"${TRANSPRUNE_JAVA_OPTS:-")
                .append(javaOptions)
                .append("}\"\n");
        sb.append("export TRANSPRUNE_SKIP_BUILD=1\n");
    }

    private static String quote(Path p) {
        return "'" + p.toString().replace("'", "'\\''") + "'";
    }
}
