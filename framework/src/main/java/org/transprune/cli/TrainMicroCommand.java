package org.transprune.cli;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.transprune.synth.Frame;
import org.transprune.train.MicroRecipes;
import org.transprune.train.MicroTrainer;
import org.transprune.train.TrainingRecipe;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code transprune train-micro}: trains the micro LLaVA on synthetic data, resumably. */
@Command(
        name = "train-micro",
        mixinStandardHelpOptions = true,
        description = {
            "Train the micro LLaVA (CLIP-style tower, projector, LLaMA decoder) from scratch on the synthetic benchmark.",
            "Writes OUT/model (llava-hf checkpoint, fp16), OUT/train-state.safetensors (resumable state),",
            "OUT/train-log.csv, OUT/train-curve.png and OUT/heldout (the evaluation's questions, a synth dataset",
            "a sweep can score the same way). Ctrl-C stops after the current step and saves."
        })
public final class TrainMicroCommand implements Callable<Integer> {

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "run directory")
    Path out;

    @Option(
            names = "--init-from",
            paramLabel = "STATE",
            description =
                    "start a new run from the weights of another run's train-state.safetensors (not its optimiser or progress)")
    Path initFrom;

    @Option(names = "--resume", description = "continue the run in --out from its saved state (its recipe is kept)")
    boolean resume;

    @Option(
            names = "--extend",
            paramLabel = "N",
            defaultValue = "0",
            description = "with --resume: make the last phase N steps longer (the rate schedule stretches with it)")
    int extend;

    @Option(names = "--seed", defaultValue = "1", description = "seed of weights and data (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--batch", paramLabel = "N", description = "images per stage B step (default: the recipe's)")
    Integer batch;

    @Option(
            names = "--frames",
            paramLabel = "WxH,...",
            description = "train the micro LLaVA-NeXT (AnyRes, 168 px tiles) on images of these frames, one frame per"
                    + " step in turn, e.g. 336x168,168x336,336x336 (default: the recipe's; none: the micro LLaVA)")
    String frames;

    @Option(names = "--recipe", paramLabel = "FILE", description = "recipe JSON (default: the built-in micro recipe)")
    Path recipeFile;

    @Option(names = "--steps", paramLabel = "N", description = "stop at this global step (default: the recipe's total)")
    Long steps;

    @Option(
            names = "--minutes",
            paramLabel = "M",
            description = "stop after this many minutes (state saved; --resume continues)")
    Double minutes;

    @Option(
            names = "--threads",
            defaultValue = "1",
            description =
                    "torch intra-op threads (default: ${DEFAULT-VALUE}; 2 threads on a busy 2-core machine are far slower)")
    int threads;

    @Override
    public Integer call() throws Exception {
        if (threads < 1) {
            throw new UserError("--threads must be at least 1");
        }
        if (!resume && extend != 0) {
            throw new UserError("--extend needs --resume");
        }
        if (resume && initFrom != null) {
            throw new UserError("--init-from starts a new run; it cannot be combined with --resume");
        }
        if (resume && (recipeFile != null || batch != null || frames != null)) {
            throw new UserError("--resume keeps the saved recipe; drop --recipe/--batch/--frames");
        }
        Engine.getInstance(); // before any JniUtils call
        JniUtils.setNumThreads(threads);
        MicroTrainer trainer;
        if (resume) {
            trainer = MicroTrainer.resume(out, extend);
        } else {
            TrainingRecipe recipe = recipeFile == null
                    ? MicroRecipes.standard()
                    : TrainingRecipe.fromJson(Files.readString(recipeFile));
            recipe = recipe.withSeed(seed);
            if (batch != null) {
                recipe = recipe.withBatch(batch);
            }
            if (frames != null) {
                try {
                    recipe = recipe.withFrames(Frame.parseList(frames));
                } catch (IllegalArgumentException e) {
                    throw new UserError("--frames: " + e.getMessage());
                }
            }
            trainer =
                    initFrom == null ? MicroTrainer.start(recipe, out) : MicroTrainer.startFrom(recipe, out, initFrom);
        }
        Files.writeString(
                out.resolve("commands.txt"),
                Instant.now() + "  transprune "
                        + String.join(" ", spec().commandLine().getParseResult().originalArgs())
                        + System.lineSeparator(),
                StandardCharsets.UTF_8,
                StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);

        CountDownLatch finished = new CountDownLatch(1);
        Thread hook = new Thread(
                () -> {
                    // SIGTERM/Ctrl-C: ask for a stop between steps and wait for the state to be saved
                    // (a signal during backward once crashed the JVM, docs/djl-notes.md#pitfall-9).
                    trainer.requestStop();
                    try {
                        finished.await(5, TimeUnit.MINUTES);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                },
                "train-micro-stop");
        java.lang.Runtime.getRuntime().addShutdownHook(hook);
        long until = steps == null ? Long.MAX_VALUE : steps;
        double seconds = minutes == null ? Double.MAX_VALUE : minutes * 60;
        boolean console = System.console() != null;
        int total = trainer.recipe().totalSteps();
        try (trainer;
                ProgressBar bar = console
                        ? new ProgressBarBuilder()
                                .setTaskName("train-micro")
                                .setInitialMax(total)
                                .setStyle(ProgressBarStyle.ASCII)
                                .continuousUpdate()
                                .build()
                        : null) {
            if (bar != null) {
                bar.stepTo(trainer.step());
                trainer.reporter(line -> bar.setExtraMessage(line.length() > 60 ? line.substring(0, 60) : line));
            }
            System.out.printf(
                    Locale.ROOT,
                    "train-micro: %s at step %d of %d, %d thread(s), out %s%n",
                    resume ? "resuming" : "starting",
                    trainer.step(),
                    total,
                    threads,
                    out);
            trainer.train(until, seconds, s -> {
                String msg = String.format(
                        Locale.ROOT,
                        "loss %.3f acc %.3f %.1f img/s",
                        s.loss(),
                        s.runningAccuracy(),
                        s.samplesPerSecond());
                if (bar != null) {
                    bar.stepTo(s.step());
                    bar.setExtraMessage(msg);
                } else if (s.step() % 25 == 0) {
                    System.out.printf(Locale.ROOT, "%s step %d/%d %s%n", Instant.now(), s.step(), total, msg);
                }
            });
            System.out.printf(
                    Locale.ROOT,
                    "train-micro: stopped at step %d of %d; state in %s%n",
                    trainer.step(),
                    total,
                    out.resolve(MicroTrainer.STATE_FILE));
        } finally {
            finished.countDown();
        }
        return 0;
    }

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    private picocli.CommandLine.Model.CommandSpec spec() {
        return spec;
    }
}
