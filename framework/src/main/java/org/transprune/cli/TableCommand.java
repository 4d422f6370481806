package org.transprune.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.transprune.report.ResultTables;
import org.transprune.report.RunReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code transprune table RUN_DIR}: the tables and figures of a finished run ({@link RunReport}). */
@Command(
        name = "table",
        mixinStandardHelpOptions = true,
        description = {
            "Builds, from a run directory's summaries, the paper-style table (methods x benchmarks, average relative"
                    + " to the unpruned row, TFLOPs, prefill ms, KV cache), ablation tables over the parameters that vary,"
                    + " accuracy and selection recall by question type (synth), and plots, including kept-token figures"
                    + " of a few synth samples.",
            "Writes DIR/report/{table.md, table.csv, table.html, ablation-*.csv, table-*-by-category.csv, summaries.csv,"
                    + " *.png, *.svg, heatmaps/*.png} and prints the Markdown. `transprune run` writes the same report"
                    + " when a sweep completes.",
        })
public final class TableCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "RUN_DIR", description = "run directory (results.jsonl)")
    Path dir;

    @Option(
            names = "--reference",
            paramLabel = "paper|FILE",
            description = "add reference rows: 'paper' for the TransPrune paper's LLaVA-1.5-7B numbers, or a CSV file"
                    + " (method, then one column per benchmark name)")
    String reference;

    @Option(names = "--out", paramLabel = "DIR", description = "where to write (default: RUN_DIR/report)")
    Path out;

    @Option(names = "--no-plots", description = "tables only")
    boolean noPlots;

    @Option(
            names = "--heatmaps",
            paramLabel = "N",
            defaultValue = "" + RunReport.DEFAULT_HEATMAP_SAMPLES,
            description = "samples per benchmark drawn as kept-token figures, one per question type first"
                    + " (default: ${DEFAULT-VALUE}; 0 for none)")
    int heatmaps;

    @Override
    public Integer call() throws Exception {
        if (!Files.isDirectory(dir)) {
            throw new UserError("not a run directory: " + dir);
        }
        if (heatmaps < 0) {
            throw new UserError("--heatmaps must be at least 0, got " + heatmaps);
        }
        Path target = out != null ? out : dir.resolve("report");
        RunReport.Written w = RunReport.write(
                dir,
                target,
                new RunReport.Options(
                        !noPlots,
                        reference == null ? null : ResultTables.readReference(reference),
                        heatmaps,
                        null,
                        null));
        w.warnings().forEach(m -> System.err.println("warning: " + m));
        System.out.print(w.markdown());
        System.out.println("written to " + target);
        return 0;
    }
}
