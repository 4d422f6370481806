package org.transprune.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.transprune.image.Images;
import org.transprune.image.RgbImage;
import org.transprune.pipeline.LlavaPipeline;
import org.transprune.prune.PruningStrategy;
import org.transprune.prune.Strategies;
import org.transprune.report.InspectionReport;
import org.yaml.snakeyaml.Yaml;
import picocli.CommandLine.Command;
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
            "Example: transprune inspect --checkpoint llava-1.5-7b-hf --image cat.jpg --question 'What is this?'"
                    + " --strategy transprune --param alpha=0.6 --out inspect/",
        })
public final class InspectCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--checkpoint", required = true, paramLabel = "DIR", description = "LLaVA checkpoint directory.")
    Path checkpoint;

    @Option(names = "--image", required = true, paramLabel = "FILE", description = "Input image.")
    Path image;

    @Option(names = "--question", required = true, paramLabel = "TEXT", description = "The question (without <image>).")
    String question;

    @Option(names = "--strategy", defaultValue = "transprune", paramLabel = "NAME",
            description = "Registered strategy (default: ${DEFAULT-VALUE}); see `transprune strategies`.")
    String strategy;

    @Option(names = "--param", paramLabel = "KEY=VALUE",
            description = "Strategy parameter, value in YAML syntax (e.g. layers=[5,7,10], alpha=0.6); repeatable.")
    Map<String, String> parameters = new LinkedHashMap<>();

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output directory.")
    Path out;

    @Option(names = "--seed", defaultValue = "0", description = "Request seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--max-new-tokens", defaultValue = "32", description = "Answer length limit (default: ${DEFAULT-VALUE}).")
    int maxNewTokens;

    @Option(names = "--device", defaultValue = "auto", description = "cpu, gpu or auto (default: ${DEFAULT-VALUE}).")
    String device;

    @Override
    public Integer call() throws Exception {
        PruningStrategy pruning = Strategies.create(strategy, parseParameters(parameters));
        RgbImage rgb = Images.read(image);
        LlavaPipeline.Options options = LlavaPipeline.Options.defaults();
        options = new LlavaPipeline.Options(device, options.weights(), options.template(), options.visionTower());
        try (LlavaPipeline pipeline = LlavaPipeline.open(checkpoint, options)) {
            LlavaPipeline.Answer answer = pipeline.answer(question, rgb, pruning, seed, maxNewTokens);
            int imageTokens = pipeline.model().config().imageTokens();
            int grid = (int) Math.round(Math.sqrt(imageTokens));
            if (grid * grid != imageTokens) {
                throw new UserError("inspect draws a square patch grid, but the model has " + imageTokens
                        + " image tokens");
            }
            List<Path> files = InspectionReport.write(out, strategy, answer.run(), rgb, pipeline.preprocessor(), grid);
            PrintWriter w = spec.commandLine().getOut();
            w.println("answer: " + answer.text());
            w.println("schedule: " + answer.run().schedule().describe());
            files.forEach(f -> w.println("wrote " + f));
            w.flush();
        }
        return 0;
    }

    /** {@code KEY=VALUE} pairs with YAML values, as an experiment file would give them. */
    static Map<String, Object> parseParameters(Map<String, String> raw) {
        Map<String, Object> parsed = new LinkedHashMap<>();
        Yaml yaml = new Yaml();
        raw.forEach((k, v) -> parsed.put(k, yaml.load(v)));
        return parsed;
    }
}
