package org.transprune.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.transprune.image.AnyResPlan;
import org.transprune.image.Images;
import org.transprune.image.RgbImage;
import org.transprune.pipeline.LlavaPipeline;
import org.transprune.prune.PruningStrategy;
import org.transprune.report.InspectionReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code transprune inspect}: runs one image and question under one strategy and writes, per
 * pruning stage, every candidate image token's scores (e.g. TTV, IGA, final score) and the kept
 * patches as JSON, plus a heatmap PNG over the input image.
 */
@Command(
        name = "inspect",
        mixinStandardHelpOptions = true,
        description = {
            "Show what a strategy keeps and why: per-stage token scores (JSON) and heatmaps over the image.",
            "Example: transprune inspect --model llava-1.5-7b-hf --image cat.jpg --prompt 'What is this?'"
                    + " --strategy transprune --param alpha=0.6 --out inspect/",
        })
public final class InspectCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    ModelOptions model;

    @Mixin
    StrategyOptions strategy;

    @Option(names = "--image", required = true, paramLabel = "FILE", description = "Input image.")
    Path image;

    @Option(names = "--prompt", required = true, paramLabel = "TEXT", description = "The question (without <image>).")
    String prompt;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output directory.")
    Path out;

    @Option(names = "--seed", defaultValue = "0", description = "Request seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(
            names = "--max-new-tokens",
            defaultValue = "32",
            description = "Answer length limit (default: ${DEFAULT-VALUE}).")
    int maxNewTokens;

    @Override
    public Integer call() throws Exception {
        if (strategy.strategy == null) {
            strategy.strategy = "transprune";
        }
        PruningStrategy pruning = strategy.create();
        RgbImage rgb = Images.read(image);
        try (LlavaPipeline pipeline = model.open()) {
            LlavaPipeline.Answer answer = pipeline.answer(prompt, rgb, pruning, seed, maxNewTokens);
            PrintWriter w = spec.commandLine().getOut();
            List<Path> files;
            if (pipeline.isAnyRes()) {
                AnyResPlan plan = pipeline.anyRes().plan(rgb.width(), rgb.height());
                w.println("anyres: " + pipeline.anyRes().rules() + " rules; " + rgb.width() + "x" + rgb.height()
                        + " image -> " + plan.bestWidth() + "x" + plan.bestHeight() + " (" + plan.tileRows() + "x"
                        + plan.tileCols() + " tiles), " + plan.imageTokens() + " image tokens = "
                        + plan.baseTokens() + " base + " + plan.rows() + " rows x (" + plan.columns() + " + "
                        + (plan.newline() ? "1 newline" : "0") + ")");
                files = InspectionReport.writeAnyRes(out, pruning.name(), answer.run(), rgb, answer.origins());
            } else {
                int imageTokens = pipeline.model().config().imageTokens();
                int grid = (int) Math.round(Math.sqrt(imageTokens));
                if (grid * grid != imageTokens) {
                    throw new UserError(
                            "inspect draws a square patch grid, but the model has " + imageTokens + " image tokens");
                }
                files = InspectionReport.write(out, pruning.name(), answer.run(), rgb, pipeline.preprocessor(), grid);
            }
            w.println("answer: " + answer.text());
            w.println("schedule: " + answer.run().schedule().describe());
            files.forEach(f -> w.println("wrote " + f));
            w.flush();
        }
        return 0;
    }
}
