package org.transprune.cli;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import org.transprune.config.TextConfig;
import org.transprune.image.Images;
import org.transprune.model.ComputeDtype;
import org.transprune.pipeline.AnsweringPipeline;
import org.transprune.pipeline.LlavaPipeline;
import org.transprune.prune.PruningStrategy;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code transprune generate}: one prompt and image to an answer, with timings. */
@Command(
        name = "generate",
        mixinStandardHelpOptions = true,
        description = "Answer one question about one image (greedy), optionally pruned, and print the timings.")
public final class GenerateCommand implements Callable<Integer> {
    @Mixin
    ModelOptions model;

    @Mixin
    StrategyOptions strategy;

    @Option(names = "--image", paramLabel = "FILE", description = "image file (PNG/JPEG); omit for a text-only prompt")
    Path image;

    @Option(names = "--prompt", required = true, description = "the question")
    String prompt;

    @Option(
            names = "--max-new-tokens",
            defaultValue = "64",
            description = "generation limit (default: ${DEFAULT-VALUE})")
    int maxNewTokens;

    @Option(names = "--seed", defaultValue = "0", description = "seed for strategies that draw random numbers")
    long seed;

    @Override
    public Integer call() {
        PruningStrategy s = strategy.create();
        try (AnsweringPipeline p = model.openAny()) {
            LlavaPipeline.Answer a =
                    p.answer(prompt, null, () -> image == null ? null : Images.read(image), s, seed, maxNewTokens);
            print(p.describe(), p.loadNanos(), a, s, p.text(), p.computeDtype());
        }
        return 0;
    }

    private static void print(
            List<String> describe,
            long loadNanos,
            LlavaPipeline.Answer a,
            PruningStrategy s,
            TextConfig t,
            ComputeDtype dtype) {
        for (String line : describe) {
            System.err.println("# " + line);
        }
        System.err.printf("# loaded in %.1f s%n", loadNanos / 1e9);
        System.out.println(a.text());
        int[] perLayer = a.generation().prefill().tokensPerLayer();
        int n = a.generation().tokens().length;
        System.err.printf(
                "# prompt %d tokens (%d image), strategy %s%n",
                a.prompt().length(), a.prompt().imageLength(), s == null ? "none" : s.name());
        System.err.printf(
                "# image encode %.1f ms, prefill %.1f ms (scoring %.2f ms), decode %d tokens in %.1f ms"
                        + " (%.2f tokens/s)%n",
                a.imageNanos() / 1e6,
                a.prefillMillis(),
                a.generation().prefill().hookNanos() / 1e6,
                n,
                a.decodeMillis(),
                n <= 1 ? 0.0 : (n - 1) / (a.decodeMillis() / 1e3));
        System.err.println("# tokens per layer " + Arrays.toString(perLayer));
        int bytes = dtype == ComputeDtype.FP16 ? 2 : 4;
        long kv = 2L * a.generation().kvCacheTokens() * t.numKeyValueHeads() * t.headDim() * bytes;
        System.err.printf("# KV cache %.2f MiB (%s)%n", kv / (1024.0 * 1024.0), dtype);
    }
}
