package org.transprune.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.transprune.config.ModelPresets;
import org.transprune.config.QwenPresets;
import org.transprune.config.TextConfig;
import org.transprune.cost.CostModel;
import org.transprune.cost.CostReport;
import org.transprune.cost.PruneSchedule;
import org.transprune.image.QwenImageProcessor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code transprune flops}: the theoretical cost of a pruning schedule on a model shape, without
 * loading any weights. Prints the unpruned model and, when {@code --layers}/{@code --ratios} are
 * given, the schedule: tokens per stage, prefill TFLOPs (paper convention), the ratio to
 * unpruned, the average retained image tokens and the image tokens' KV cache.
 *
 * <p>Shapes come from a named preset, optionally overridden field by field. Reading an
 * experiment file ({@code --experiment}) arrives with the YAML runner.
 */
@Command(
        name = "flops",
        mixinStandardHelpOptions = true,
        description = {
            "Theoretical prefill TFLOPs, average retained image tokens and KV cache of a pruning schedule.",
            "Example: transprune flops --preset llava-1.5-7b --layers 7,9,12 --ratios 0.875,0.625,0.125",
        })
public final class FlopsCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(
            names = "--preset",
            paramLabel = "NAME",
            defaultValue = ModelPresets.LLAVA_1_5_7B,
            description = "Model shape: llava-1.5-7b, llava-1.5-13b, llava-next-7b, llava-next-mistral-7b,"
                    + " qwen2.5-vl-3b, qwen2.5-vl-7b (default: ${DEFAULT-VALUE}).")
    String preset;

    @Option(
            names = "--layers",
            split = ",",
            paramLabel = "L",
            description = "1-based decoder layers after which to prune, e.g. 7,9,12.")
    List<Integer> layers = new ArrayList<>();

    @Option(
            names = "--ratios",
            split = ",",
            paramLabel = "R",
            description = "Keep ratio per pruning layer, of the ORIGINAL image-token count N"
                    + " (int(N*R), strictly decreasing), e.g. 0.875,0.625,0.125.")
    List<Double> ratios = new ArrayList<>();

    @Option(
            names = "--of-remaining",
            description = "Read --ratios as fractions of the tokens LEFT by the previous stage"
                    + " (PyramidDrop style: --layers 8,16,24 --ratios 0.5,0.5,0.5).")
    boolean ofRemaining;

    @Option(names = "--hidden-size", paramLabel = "D", description = "Override the preset's hidden size d.")
    Integer hiddenSize;

    @Option(names = "--ffn-size", paramLabel = "M", description = "Override the preset's FFN size m.")
    Integer ffnSize;

    @Option(names = "--layers-count", paramLabel = "N", description = "Override the preset's decoder depth.")
    Integer layersCount;

    @Option(
            names = "--image-tokens",
            paramLabel = "N",
            description = "Override the preset's image-token count (576 for LLaVA-1.5, 2880 for NeXT).")
    Integer imageTokens;

    @Option(
            names = "--image-size",
            paramLabel = "HxW",
            description = "Qwen2.5-VL presets: the image's height x width in pixels, from which smart resize"
                    + " gives the image-token count (default: 672x672).")
    String imageSize;

    @Option(
            names = "--max-pixels",
            paramLabel = "P",
            description = "Qwen2.5-VL presets: the image processor's max_pixels (default: the project's CPU"
                    + " default, 451584 = 576 tokens; the checkpoints' own is 12845056).")
    Integer maxPixels;

    @Option(
            names = "--text-tokens",
            paramLabel = "T",
            defaultValue = "0",
            description = "Text tokens to add to the KV-cache figure (default: ${DEFAULT-VALUE}).")
    int textTokens;

    @Option(
            names = "--bytes-per-element",
            paramLabel = "B",
            defaultValue = "2",
            description = "Bytes per cached K/V element (default: ${DEFAULT-VALUE}, fp16).")
    int bytesPerElement;

    @Override
    public Integer call() {
        String name;
        TextConfig text;
        int presetTokens;
        if (QwenPresets.has(preset)) {
            QwenPresets.Preset q = QwenPresets.get(preset);
            name = q.name();
            text = q.config().text();
            presetTokens = qwenImageTokens();
        } else {
            if (imageSize != null || maxPixels != null) {
                throw new UserError("--image-size and --max-pixels apply to the Qwen2.5-VL presets only");
            }
            ModelPresets.Preset shape = ModelPresets.get(preset);
            name = shape.name();
            text = shape.config().text();
            presetTokens = shape.imageTokens();
        }
        CostModel model = costModel(text);
        int n = imageTokens != null ? imageTokens : presetTokens;
        if (n <= 0) {
            throw new UserError("--image-tokens must be positive, got " + n);
        }
        if (layers.isEmpty() != ratios.isEmpty()) {
            throw new UserError("--layers and --ratios go together: give one keep ratio per pruning layer");
        }

        List<CostReport> rows = new ArrayList<>();
        rows.add(model.report(PruneSchedule.unpruned(n), textTokens, bytesPerElement));
        if (!layers.isEmpty()) {
            PruneSchedule schedule = ofRemaining
                    ? PruneSchedule.ofRemainingFractions(n, layers, ratios)
                    : PruneSchedule.ofOriginalRatios(n, layers, ratios);
            rows.add(model.report(schedule, textTokens, bytesPerElement));
        }
        print(spec.commandLine().getOut(), name, model, n, rows);
        return 0;
    }

    /** Image tokens of {@code --image-size} under smart resize with {@code --max-pixels} (Qwen's rules). */
    private int qwenImageTokens() {
        String size = imageSize == null ? "672x672" : imageSize;
        int[] hw = parseImageSize(size);
        int max = maxPixels == null ? QwenImageProcessor.CPU_MAX_PIXELS : maxPixels;
        try {
            return QwenImageProcessor.withMaxPixels(max).imageTokens(hw[0], hw[1]);
        } catch (IllegalArgumentException e) {
            throw new UserError("--image-size " + size + ": " + e.getMessage());
        }
    }

    /** {@code --image-size HEIGHTxWIDTH} as {@code {height, width}} (also read by {@code bench}). */
    static int[] parseImageSize(String size) {
        String[] hw = size.toLowerCase(Locale.ROOT).split("x");
        try {
            if (hw.length != 2) {
                throw new NumberFormatException();
            }
            return new int[] {Integer.parseInt(hw[0].trim()), Integer.parseInt(hw[1].trim())};
        } catch (NumberFormatException e) {
            throw new UserError("--image-size must be HEIGHTxWIDTH in pixels, e.g. 672x672; got '" + size + "'");
        }
    }

    private CostModel costModel(TextConfig text) {
        int d = hiddenSize != null ? hiddenSize : text.hiddenSize();
        int m = ffnSize != null ? ffnSize : text.intermediateSize();
        int depth = layersCount != null ? layersCount : text.numLayers();
        if (d <= 0 || m <= 0 || depth <= 0) {
            throw new UserError("--hidden-size, --ffn-size and --layers-count must be positive");
        }
        // KV width keeps the preset's head layout: head_dim = d / heads, so an overridden d
        // scales the cache like a wider model with the same number of heads would.
        if (d % text.numHeads() != 0) {
            throw new UserError(
                    "--hidden-size " + d + " is not divisible by the preset's " + text.numHeads() + " attention heads");
        }
        return new CostModel(d, m, depth, text.numKeyValueHeads(), d / text.numHeads());
    }

    private void print(PrintWriter out, String name, CostModel model, int n, List<CostReport> rows) {
        out.printf(
                Locale.ROOT,
                "model %s: d=%d, m=%d, %d layers, N=%d image tokens%n",
                name,
                model.hiddenSize(),
                model.ffnSize(),
                model.numLayers(),
                n);
        String kvHeader =
                textTokens > 0 ? String.format(Locale.ROOT, "KV MiB (+%d text)", textTokens) : "KV MiB (image)";
        String format = "%-26s %-26s %8s %9s %10s %16s%n";
        out.printf(Locale.ROOT, format, "schedule", "tokens per stage", "TFLOPs", "vs full", "avg tokens", kvHeader);
        for (CostReport row : rows) {
            PruneSchedule schedule = row.schedule();
            String where = schedule.stages().isEmpty()
                    ? "unpruned"
                    : "after "
                            + schedule.stages().stream()
                                    .map(PruneSchedule.Stage::afterLayer)
                                    .toList();
            String counts = String.join(
                    " -> ",
                    schedule.stageTokenCounts().stream().map(String::valueOf).toList());
            double kvMiB = textTokens > 0 ? row.kvCacheWithTextMiB() : row.kvCacheMiB();
            out.printf(
                    Locale.ROOT,
                    format,
                    where,
                    counts,
                    String.format(Locale.ROOT, "%.2f", row.tflops()),
                    String.format(Locale.ROOT, "%.1f%%", 100 * row.flopsRatio()),
                    String.format(Locale.ROOT, "%.2f", row.averageRetainedTokens()),
                    String.format(Locale.ROOT, "%.2f", kvMiB));
        }
        if (bytesPerElement != 2) {
            out.printf(Locale.ROOT, "KV cache at %d bytes per element%n", bytesPerElement);
        }
        out.flush();
    }
}
