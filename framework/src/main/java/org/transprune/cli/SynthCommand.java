package org.transprune.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.transprune.synth.Frame;
import org.transprune.synth.Split;
import org.transprune.synth.SynthDataset;
import org.transprune.synth.SynthSummary;
import org.transprune.synth.Vocabulary;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code transprune synth}: writes the synthetic visual QA benchmark in the LLaVA evaluation layout. */
@Command(
        name = "synth",
        mixinStandardHelpOptions = true,
        description = "Generate the synthetic visual QA benchmark (shapes; exist, color, count, position, "
                + "relation questions) as questions.jsonl, images/, answers.jsonl and summary.json.")
public final class SynthCommand implements Callable<Integer> {

    @Option(names = "--out", required = true, description = "Output directory (absent or empty).")
    Path out;

    @Option(names = "--seed", defaultValue = "1", description = "Random seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--images", defaultValue = "500", description = "Number of images (default: ${DEFAULT-VALUE}).")
    int images;

    @Option(
            names = "--questions-per-image",
            defaultValue = "2",
            description = "Questions per image (default: ${DEFAULT-VALUE}).")
    int questionsPerImage;

    @Option(
            names = "--split",
            defaultValue = "test",
            description = "Split whose random stream to draw from: train, val or test (default: ${DEFAULT-VALUE}).")
    String split;

    @Option(
            names = "--suffix",
            defaultValue = Vocabulary.LLAVA_SHORT_ANSWER_SUFFIX,
            description = "Appended to each question on a new line; \"\" for none (default: ${DEFAULT-VALUE}).")
    String suffix;

    @Option(
            names = "--blank",
            description = "Write every image without its objects (background only), keeping the"
                    + " questions and answers: for measuring what a model answers without the image.")
    boolean blank;

    @Option(
            names = "--frames",
            paramLabel = "WxH,...",
            defaultValue = "336x336",
            description = "Image sizes in pixels, image i in the i-th mod count, e.g. 336x168,168x336,336x336 for"
                    + " the micro LLaVA-NeXT (positions are relative to each image; default: ${DEFAULT-VALUE}).")
    String frames;

    @Override
    public Integer call() throws Exception {
        if (images < 1) {
            throw new UserError("--images must be at least 1");
        }
        if (questionsPerImage < 1) {
            throw new UserError("--questions-per-image must be at least 1");
        }
        Split s;
        try {
            s = Split.ofLabel(split);
        } catch (IllegalArgumentException e) {
            throw new UserError("--split must be train, val or test, got " + split);
        }
        List<Frame> f;
        try {
            f = Frame.parseList(frames);
        } catch (IllegalArgumentException e) {
            throw new UserError("--frames: " + e.getMessage());
        }
        long start = System.nanoTime();
        SynthSummary summary = SynthDataset.write(out, seed, images, questionsPerImage, s, suffix, blank, f);
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.println(summary.format());
        System.out.printf(Locale.ROOT, "wrote %s in %.1f s%n", out, seconds);
        return 0;
    }
}
