package org.transprune.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.transprune.records.RunLock;
import org.transprune.run.ExperimentException;
import org.transprune.run.RunMerger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code transprune merge RUN_DIR...}: combines shard outputs into one run directory. */
@Command(
        name = "merge",
        mixinStandardHelpOptions = true,
        description = {
            "Combines the run directories of shards (transprune run --shard k/N) into one, then writes the summaries"
                    + " and predictions an unsharded run would have.",
            "Safe to repeat as more shards finish.",
        })
public final class MergeCommand implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "RUN_DIR", description = "shard run directories")
    List<Path> inputs;

    @Option(
            names = "--out",
            paramLabel = "DIR",
            description =
                    "merged run directory (default: the directory holding shards/ when the inputs are OUT/shards/*)")
    Path out;

    @Option(
            names = "--experiment",
            paramLabel = "FILE",
            description = "experiment file (default: the one recorded in the first input's plan.json)")
    Path experiment;

    @Override
    public Integer call() throws Exception {
        Path target = out;
        if (target == null) {
            Path parent = inputs.get(0).toAbsolutePath().normalize().getParent();
            if (parent == null || !parent.getFileName().toString().equals("shards")) {
                throw new UserError("give --out DIR (the inputs are not OUT/shards/* directories)");
            }
            target = parent.getParent();
        }
        for (Path in : inputs) {
            if (!Files.isDirectory(in)) {
                throw new UserError("not a run directory: " + in);
            }
        }
        try {
            RunMerger.Result r = RunMerger.merge(inputs, target, experiment, System.out);
            return r.incomplete().isEmpty() ? 0 : 3;
        } catch (ExperimentException | RunLock.RunLockedException e) {
            throw new UserError(e.getMessage());
        }
    }
}
