package org.transprune.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.transprune.report.ResultPlots;
import org.transprune.report.ResultTables;
import org.transprune.report.RunResults;
import org.transprune.report.TableWriters;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tech.tablesaw.api.Table;

/** {@code transprune table RUN_DIR}: paper-style and ablation tables and plots of a finished run. */
@Command(name = "table", mixinStandardHelpOptions = true,
        description = {
            "Builds, from a run directory's summaries, the paper-style table (methods x benchmarks, average relative"
                    + " to the unpruned row, TFLOPs, prefill ms, KV cache), ablation tables over the parameters that vary,"
                    + " and plots.",
            "Writes DIR/report/{table.md, table.csv, table.html, ablation-*.csv, *.png, *.svg} and prints the Markdown.",
        })
public final class TableCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "RUN_DIR", description = "run directory (results.jsonl)")
    Path dir;

    @Option(names = "--reference", paramLabel = "paper|FILE",
            description = "add reference rows: 'paper' for the TransPrune paper's LLaVA-1.5-7B numbers, or a CSV file"
                    + " (method, then one column per benchmark name)")
    String reference;

    @Option(names = "--out", paramLabel = "DIR", description = "where to write (default: RUN_DIR/report)")
    Path out;

    @Option(names = "--no-plots", description = "tables only")
    boolean noPlots;

    @Override
    public Integer call() throws Exception {
        if (!Files.isDirectory(dir)) {
            throw new UserError("not a run directory: " + dir);
        }
        Path target = out != null ? out : dir.resolve("report");
        Table summaries = RunResults.load(dir);
        Table main = ResultTables.paperTable(summaries, "Results: " + dir.getFileName());
        if (reference != null) {
            main = ResultTables.withReference(main, ResultTables.readReference(reference));
        }
        List<Table> all = new ArrayList<>();
        all.add(main);
        TableWriters.csv(main, target.resolve("table.csv"));
        for (Map.Entry<String, Table> e : ResultTables.ablations(summaries).entrySet()) {
            all.add(e.getValue());
            TableWriters.csv(e.getValue(), target.resolve("ablation-" + e.getKey().replaceAll("[^A-Za-z0-9._-]", "_")
                    + ".csv"));
        }
        StringBuilder md = new StringBuilder();
        all.forEach(t -> md.append(TableWriters.markdown(t)));
        TableWriters.write(target.resolve("table.md"), md.toString());
        List<String> images = noPlots ? List.of() : ResultPlots.draw(summaries, target);
        TableWriters.write(target.resolve("table.html"), TableWriters.html("TransPrune Lab: " + dir.getFileName(), all,
                images));
        TableWriters.csv(summaries, target.resolve("summaries.csv"));
        System.out.print(md);
        System.out.println("written to " + target);
        return 0;
    }
}
