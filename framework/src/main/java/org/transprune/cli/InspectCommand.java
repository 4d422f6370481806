package org.transprune.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.transprune.image.AnyResPlan;
import org.transprune.image.Images;
import org.transprune.image.QwenImageProcessor;
import org.transprune.image.RgbImage;
import org.transprune.pipeline.AnsweringPipeline;
import org.transprune.pipeline.LlavaPipeline;
import org.transprune.pipeline.QwenPipeline;
import org.transprune.prune.PruningStrategy;
import org.transprune.prune.StrategyRun;
import org.transprune.report.InspectionReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code transprune inspect}: runs one image and question under one strategy and writes, per
 * pruning stage, every candidate image token's scores (e.g. TTV, IGA, final score) and the kept
 * patches as JSON, plus a heatmap PNG over the input image. The checkpoint is opened as its
 * {@code config.json} says (LLaVA-1.5, LLaVA-NeXT, Qwen2.5-VL), as the experiment runner opens it.
 */
@Command(
        name = "inspect",
        mixinStandardHelpOptions = true,
        description = {
            "Show what a strategy keeps and why: per-stage token scores (JSON) and heatmaps over the image.",
            "Example: transprune inspect --model llava-1.5-7b-hf --image cat.jpg --prompt 'What is this?'"
                    + " --strategy transprune --param alpha=0.6 --out inspect/",
            "Qwen2.5-VL checkpoints: --max-pixels sets the image processor's max_pixels; the token grid follows"
                    + " the image.",
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
        try (AnsweringPipeline pipeline = model.openAny()) {
            LlavaPipeline.Answer answer = pipeline.answer(prompt, null, () -> rgb, pruning, seed, maxNewTokens);
            PrintWriter w = spec.commandLine().getOut();
            pipeline.describe().forEach(line -> w.println("model: " + line));
            List<Path> files;
            if (pipeline instanceof QwenPipeline qwen) {
                w.println(qwenGeometry(qwen, rgb, answer.prompt().imageLength()));
                files = InspectionReport.writeGrid(out, pruning.name(), answer.run(), rgb, answer.origins());
            } else if (pipeline instanceof LlavaPipeline llava && llava.isAnyRes()) {
                AnyResPlan plan = llava.anyRes().plan(rgb.width(), rgb.height());
                w.println("anyres: " + llava.anyRes().rules() + " rules; " + rgb.width() + "x" + rgb.height()
                        + " image -> " + plan.bestWidth() + "x" + plan.bestHeight() + " (" + plan.tileRows() + "x"
                        + plan.tileCols() + " tiles), " + plan.imageTokens() + " image tokens = "
                        + plan.baseTokens() + " base + " + plan.rows() + " rows x (" + plan.columns() + " + "
                        + (plan.newline() ? "1 newline" : "0") + ")");
                files = InspectionReport.writeAnyRes(out, pruning.name(), answer.run(), rgb, answer.origins());
            } else {
                LlavaPipeline llava = (LlavaPipeline) pipeline;
                int imageTokens = llava.model().config().imageTokens();
                int grid = (int) Math.round(Math.sqrt(imageTokens));
                if (grid * grid != imageTokens) {
                    throw new UserError(
                            "inspect draws a square patch grid, but the model has " + imageTokens + " image tokens");
                }
                w.println("image: " + rgb.width() + "x" + rgb.height() + " -> " + grid + "x" + grid + " patches, "
                        + imageTokens + " image tokens");
                files = InspectionReport.write(out, pruning.name(), answer.run(), rgb, llava.preprocessor(), grid);
            }
            w.println("answer: " + answer.text());
            if (answer.run() != null) {
                w.println("schedule: " + answer.run().schedule().describe());
                int i = 1;
                for (StrategyRun.StageRecord stage : answer.run().stages()) {
                    w.println("stage " + i++ + " after layer " + stage.afterLayer() + ": kept "
                            + stage.keptPatches().length + " of " + stage.candidatePatches().length
                            + " candidate image tokens");
                }
            }
            files.forEach(f -> w.println("wrote " + f));
            w.flush();
        }
        return 0;
    }

    /**
     * How Qwen2.5-VL's image processor turned the image into tokens: the smart-resized size within
     * {@code min_pixels}/{@code max_pixels}, the 14 px patch grid and the merged-token grid as Hugging Face's
     * {@code image_grid_thw} (t = 1: an image is its own two frames, one temporal patch).
     */
    static String qwenGeometry(QwenPipeline p, RgbImage rgb, int imageTokens) {
        QwenImageProcessor proc = p.processor();
        int[] hw = proc.resizedSize(rgb.height(), rgb.width());
        int merge = p.model().config().vision().spatialMergeSize();
        int patch = proc.factor() / merge;
        return "qwen2.5-vl: " + rgb.width() + "x" + rgb.height() + " image (WxH) -> smart resize to " + hw[1] + "x"
                + hw[0] + " (min_pixels " + proc.minPixels() + ", max_pixels " + proc.maxPixels() + ", multiples of "
                + proc.factor() + " px); patch grid (t, h, w) = (1, " + hw[0] / patch + ", " + hw[1] / patch
                + ") of " + patch + " px patches; merged-token grid (t, h, w) = (1, " + hw[0] / proc.factor() + ", "
                + hw[1] / proc.factor() + "); " + imageTokens + " image tokens";
    }
}
