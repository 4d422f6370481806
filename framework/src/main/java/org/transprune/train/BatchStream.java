package org.transprune.train;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.transprune.synth.Frame;
import org.transprune.synth.Sample;
import org.transprune.synth.Split;
import org.transprune.synth.SynthSampler;

/**
 * The training batches of a recipe, step by step: each phase draws from its own synthetic stream
 * (seeded by the recipe's seed and the phase), so the batch of a step does not depend on where a
 * run was resumed. The next step's batch is built on a data thread while the current step computes.
 */
final class BatchStream implements AutoCloseable {
    /** The data of one step and the seconds it took to build. */
    record Prepared(long step, PackedBatch batch, double seconds) {}

    private final TrainingRecipe recipe;
    private final BatchBuilder batches;
    /** A single thread keeps the data stream in step order. */
    private final ExecutorService data = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "train-micro-data");
        t.setDaemon(true);
        return t;
    });

    private int phase = Integer.MIN_VALUE;
    /** The phase's samplers, one per frame of the recipe (one for the micro LLaVA). */
    private SynthSampler[] samplers;

    private Future<Prepared> ahead;

    BatchStream(TrainingRecipe recipe, BatchBuilder batches) {
        this.recipe = recipe;
        this.batches = batches;
    }

    /** The batch of global step {@code step}, and the following step's started on the data thread. */
    Prepared take(long step) throws InterruptedException, ExecutionException {
        Prepared next = ahead == null ? null : ahead.get();
        if (next == null || next.step() != step) {
            next = data.submit(() -> prepare(step)).get();
        }
        long following = step + 1;
        // Built while this step computes (about 10% of a step, measured).
        ahead = following < recipe.totalSteps() ? data.submit(() -> prepare(following)) : null;
        return next;
    }

    /**
     * Builds the batch of global step {@code s}. Runs on the single data thread only, always for
     * consecutive steps, so the samplers advance exactly as in a run without prefetching.
     */
    private Prepared prepare(long s) {
        long t0 = System.nanoTime();
        int ph = recipe.phaseOf(s);
        boolean stageA = ph < 0;
        int perImage = stageA ? 1 : recipe.phases().get(ph).questionsPerImage();
        int b = stageA ? recipe.stageABatch() : recipe.batch();
        List<Frame> frames = recipe.imageFrames();
        int f = frames.size();
        if (ph != phase) {
            // A phase's data stream depends only on the seed and the phase, so resuming skips to the same place.
            long done = s - recipe.phaseStart(ph);
            samplers = new SynthSampler[f];
            if (!recipe.anyRes()) {
                samplers[0] = new SynthSampler(recipe.seed() * 1_000_003L + ph + 1, Split.TRAIN, perImage);
            } else {
                // AnyRes: step s draws all its images in frame s mod f, each frame from its own stream.
                for (int k = 0; k < f; k++) {
                    samplers[k] = new SynthSampler(
                            recipe.seed() * 1_000_003L + ph + 1 + 7919L * (k + 1),
                            Split.TRAIN,
                            perImage,
                            List.of(frames.get(k)));
                }
            }
            for (int k = 0; k < f; k++) {
                long stepsOfFrame = Math.max(0, (done - k + f - 1) / f); // steps j < done with j mod f == k
                samplers[k].skip(stepsOfFrame * b);
            }
            phase = ph;
        }
        SynthSampler sampler = samplers[(int) ((s - recipe.phaseStart(ph)) % f)];
        List<Sample> samples = new ArrayList<>(b);
        for (int i = 0; i < b; i++) {
            samples.add(sampler.next());
        }
        PackedBatch batch = stageA
                ? batches.build(samples, false, 1f)
                : batches.build(
                        samples,
                        true,
                        (float) recipe.patchWeight(),
                        recipe.phases().get(ph));
        return new Prepared(s, batch, (System.nanoTime() - t0) / 1e9);
    }

    @Override
    public void close() {
        data.shutdownNow();
    }
}
