package org.transprune.train;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.util.ArrayList;
import java.util.List;
import org.transprune.config.LlavaConfig;
import org.transprune.synth.Frame;

/**
 * Everything that decides what a training run computes: model sizes, data, schedule, optimiser.
 * Steps are global: stage A (tower and patch head alone) runs steps {@code [0, stageASteps)}, then
 * the stage B phases follow one another. Serialised into the training state, so a resumed run can
 * refuse a different recipe.
 *
 * @param visionWidth tower width (MLP 4x, 4 heads)
 * @param visionBlocks tower blocks
 * @param width decoder width (4 heads)
 * @param layers decoder layers
 * @param mlp decoder SwiGLU width
 * @param seed seeds the initial weights and the data streams
 * @param stageABatch images per stage A step
 * @param stageASteps stage A steps (0 skips it)
 * @param stageALr stage A peak learning rate (warm-up, then cosine to 10%)
 * @param batch images per stage B step
 * @param phases the stage B curriculum, in order
 * @param lr stage B peak learning rate
 * @param warmupSteps stage B linear warm-up
 * @param decayFraction the last share of stage B over which the rate falls (cosine); constant before
 * @param minLrFraction the rate at the end of stage B, as a share of {@code lr}
 * @param weightDecay AdamW decay on matrices
 * @param beta1 AdamW beta1
 * @param beta2 AdamW beta2
 * @param clip global gradient-norm bound
 * @param patchWeight weight of the auxiliary patch loss in stage B (stage A uses 1)
 * @param evalEvery steps between held-out evaluations with the engine (0: only at the end)
 * @param evalImages held-out images (2 questions each) per evaluation
 * @param checkpointMinutes minutes between saved training states
 * @param frames empty for the micro LLaVA (one 168 px view of the 336 px image); otherwise the micro
 *     LLaVA-NeXT ({@link MicroModel#nextConfig}) trained on images of these frames ({@code WIDTHxHEIGHT}),
 *     step s drawing all its images in frame {@code s mod frames.size()} (one AnyRes plan per batch)
 */
public record TrainingRecipe(
        int visionWidth,
        int visionBlocks,
        int width,
        int layers,
        int mlp,
        long seed,
        int stageABatch,
        int stageASteps,
        double stageALr,
        int batch,
        List<Phase> phases,
        double lr,
        int warmupSteps,
        double decayFraction,
        double minLrFraction,
        double weightDecay,
        double beta1,
        double beta2,
        double clip,
        double patchWeight,
        int evalEvery,
        int evalImages,
        double checkpointMinutes,
        List<String> frames) {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * A stage B phase.
     *
     * @param steps steps of the phase
     * @param questionsPerImage questions packed per image (each sees only the prompt, the image and itself)
     * @param captions whether each image also gets a training-only caption question ("what shapes are
     *     there ?" answered by every object's colour, kind and halves, left to right; see {@link Captions}),
     *     whose every answer token is a target: dense supervision for reading the image, in the spirit of
     *     LLaVA's caption-based alignment stage
     * @param attention weight of the training-only attention supervision (0: none): at decoder layer
     *     {@code attentionLayer} (0-based), heads 0 and 1 of each object noun of a question ("circle",
     *     "circles", "shapes") are trained to attend to the patches of the objects it names (a
     *     relation's first noun its subject, the second its reference object), standing in for the
     *     text-image grounding a pretrained LVLM has; nouns of absent objects are left out. A
     *     cross-entropy against the uniform distribution over those patches, averaged over rows
     * @param attentionLayer the 0-based decoder layer whose attention is supervised
     * @param probe weight of the training-only noun probe (0: none): a linear head reads the hidden
     *     state of each object noun that names exactly one object, at the output of decoder layer
     *     {@code attentionLayer}, and predicts that object's colour and the grid row and column of its
     *     box centre. Where the attention supervision says where a noun should look, the probe says
     *     what it should bring back: it binds the noun to its object's attributes (see {@link NounProbe})
     * @param route weight of the training-only answer routing (0: none): at decoder layer {@code routeLayer},
     *     heads 0 and 1 of the row that predicts the answer are trained to attend to the question's object
     *     nouns (a relation's head 0 to its first noun, head 1 to its second), the second hop after the
     *     nouns' own look-up; same loss as {@code attention}
     * @param routeLayer the 0-based decoder layer whose answer-row attention is supervised
     * @param countAnchors whether a count question's nouns attend, instead of all the counted objects'
     *     patches, to one anchor patch per counted object (the patch holding its box centre) and to the
     *     first token of the sequence, each with an equal share: the share left on the first token is
     *     1 / (count + 1), so the count survives the softmax's normalisation; the tower's training-only
     *     anchor head (patch holds an object's centre or not) is trained with the patch head's weight
     * @param answerProbe weight of the training-only answer probe (0: none; see {@link NounProbe}): at the
     *     output of decoder layer {@code routeLayer}, the answer row predicts the centre cell of the
     *     question's subject and, for a relation, of its reference object, in separate softmaxes
     */
    public record Phase(
            int steps,
            int questionsPerImage,
            boolean captions,
            double attention,
            int attentionLayer,
            double probe,
            double route,
            int routeLayer,
            boolean countAnchors,
            double answerProbe) {
        public Phase {
            if (steps < 0 || questionsPerImage < 1) {
                throw new IllegalArgumentException("a phase needs steps >= 0 and questionsPerImage >= 1");
            }
            if (attention < 0 || attentionLayer < 0 || probe < 0 || route < 0 || routeLayer < 0 || answerProbe < 0) {
                throw new IllegalArgumentException(
                        "attention, probe and route weights and layers must not be negative");
            }
            if (route > 0 && attention > 0 && routeLayer == attentionLayer) {
                throw new IllegalArgumentException(
                        "answer routing and noun attention supervise heads 0-1 of the same layer " + routeLayer
                                + "; give them different layers");
            }
        }

        /** A phase without answer routing (recipes written before it existed). */
        public Phase(
                int steps,
                int questionsPerImage,
                boolean captions,
                double attention,
                int attentionLayer,
                double probe) {
            this(steps, questionsPerImage, captions, attention, attentionLayer, probe, 0, 0, false, 0);
        }

        /** A phase without count anchors (recipes written before they existed). */
        public Phase(
                int steps,
                int questionsPerImage,
                boolean captions,
                double attention,
                int attentionLayer,
                double probe,
                double route,
                int routeLayer) {
            this(steps, questionsPerImage, captions, attention, attentionLayer, probe, route, routeLayer, false, 0);
        }

        /** A phase without captions, attention supervision or probe. */
        public Phase(int steps, int questionsPerImage) {
            this(steps, questionsPerImage, false, 0, 0, 0, 0, 0, false, 0);
        }

        /** A phase without the noun probe (recipes written before it existed). */
        public Phase(int steps, int questionsPerImage, boolean captions, double attention, int attentionLayer) {
            this(steps, questionsPerImage, captions, attention, attentionLayer, 0, 0, 0, false, 0);
        }

        /** The same phase with another length. */
        public Phase withSteps(int newSteps) {
            return new Phase(
                    newSteps,
                    questionsPerImage,
                    captions,
                    attention,
                    attentionLayer,
                    probe,
                    route,
                    routeLayer,
                    countAnchors,
                    answerProbe);
        }
    }

    /** A micro LLaVA recipe (one view per image, no frames). */
    public TrainingRecipe(
            int visionWidth,
            int visionBlocks,
            int width,
            int layers,
            int mlp,
            long seed,
            int stageABatch,
            int stageASteps,
            double stageALr,
            int batch,
            List<Phase> phases,
            double lr,
            int warmupSteps,
            double decayFraction,
            double minLrFraction,
            double weightDecay,
            double beta1,
            double beta2,
            double clip,
            double patchWeight,
            int evalEvery,
            int evalImages,
            double checkpointMinutes) {
        this(
                visionWidth,
                visionBlocks,
                width,
                layers,
                mlp,
                seed,
                stageABatch,
                stageASteps,
                stageALr,
                batch,
                phases,
                lr,
                warmupSteps,
                decayFraction,
                minLrFraction,
                weightDecay,
                beta1,
                beta2,
                clip,
                patchWeight,
                evalEvery,
                evalImages,
                checkpointMinutes,
                List.of());
    }

    @JsonCreator
    public TrainingRecipe {
        phases = List.copyOf(phases);
        frames = frames == null ? List.of() : List.copyOf(frames);
        frames.forEach(Frame::parse);
        if (stageASteps < 0 || batch < 1 || stageABatch < 1 || lr <= 0 || stageALr <= 0) {
            throw new IllegalArgumentException("batch sizes and learning rates must be positive, steps not negative");
        }
    }

    /** The model architecture of this recipe: the micro LLaVA, or the micro LLaVA-NeXT when it has frames. */
    public LlavaConfig config() {
        return anyRes()
                ? MicroModel.nextConfig(visionWidth, visionBlocks, width, layers, mlp)
                : MicroModel.config(visionWidth, visionBlocks, width, layers, mlp);
    }

    /** Whether this recipe trains the micro LLaVA-NeXT (AnyRes views). */
    public boolean anyRes() {
        return !frames.isEmpty();
    }

    /** The frames of the images, parsed; {@link Frame#DEFAULT} alone for the micro LLaVA. */
    public List<Frame> imageFrames() {
        return anyRes() ? frames.stream().map(Frame::parse).toList() : List.of(Frame.DEFAULT);
    }

    /** The frame of step {@code step}'s images. */
    public Frame frameOf(long step) {
        List<Frame> f = imageFrames();
        return f.get((int) (step % f.size()));
    }

    /** Steps of stage B. */
    public int stageBSteps() {
        return phases.stream().mapToInt(Phase::steps).sum();
    }

    /** All steps of the run. */
    public int totalSteps() {
        return stageASteps + stageBSteps();
    }

    /** Index of the stage B phase of global step {@code step} (-1 in stage A). */
    public int phaseOf(long step) {
        if (step < stageASteps) {
            return -1;
        }
        long s = step - stageASteps;
        for (int i = 0; i < phases.size(); i++) {
            if (s < phases.get(i).steps()) {
                return i;
            }
            s -= phases.get(i).steps();
        }
        return phases.size() - 1; // past the end: the last phase continues
    }

    /** First global step of phase {@code i} (-1: stage A). */
    public long phaseStart(int i) {
        long start = stageASteps;
        for (int k = 0; k < i; k++) {
            start += phases.get(k).steps();
        }
        return i < 0 ? 0 : start;
    }

    /** The learning rate of global step {@code step}. */
    public double learningRate(long step) {
        if (step < stageASteps) {
            int warm = Math.max(1, Math.min(50, stageASteps / 10));
            if (step < warm) {
                return stageALr * (step + 1) / warm;
            }
            double t = (double) (step - warm) / Math.max(1, stageASteps - warm);
            return stageALr * (0.1 + 0.9 * 0.5 * (1 + Math.cos(Math.PI * t)));
        }
        long s = step - stageASteps;
        int total = Math.max(1, stageBSteps());
        if (s < warmupSteps) {
            return lr * (s + 1) / warmupSteps;
        }
        long decayStart = Math.round(total * (1 - decayFraction));
        if (s < decayStart) {
            return lr;
        }
        double t = Math.min(1.0, (double) (s - decayStart) / Math.max(1, total - decayStart));
        return lr * (minLrFraction + (1 - minLrFraction) * 0.5 * (1 + Math.cos(Math.PI * t)));
    }

    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public static TrainingRecipe fromJson(String json) {
        try {
            return JSON.readValue(json, TrainingRecipe.class);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("unreadable training recipe: " + e.getOriginalMessage(), e);
        }
    }

    /** A copy whose last stage B phase is {@code extraSteps} longer (not negative). */
    public TrainingRecipe extended(int extraSteps) {
        if (extraSteps < 0 || phases.isEmpty()) {
            throw new IllegalArgumentException(
                    "can only extend the last stage B phase by a non-negative number of steps");
        }
        List<Phase> longer = new ArrayList<>(phases);
        Phase last = longer.get(longer.size() - 1);
        longer.set(longer.size() - 1, last.withSteps(last.steps() + extraSteps));
        return copy(seed, batch, longer);
    }

    /** A copy with another seed. */
    public TrainingRecipe withSeed(long newSeed) {
        return copy(newSeed, batch, phases);
    }

    /** A copy with another stage B batch size. */
    public TrainingRecipe withBatch(int newBatch) {
        return copy(seed, newBatch, phases);
    }

    private TrainingRecipe copy(long newSeed, int newBatch, List<Phase> newPhases) {
        return new TrainingRecipe(
                visionWidth,
                visionBlocks,
                width,
                layers,
                mlp,
                newSeed,
                stageABatch,
                stageASteps,
                stageALr,
                newBatch,
                newPhases,
                lr,
                warmupSteps,
                decayFraction,
                minLrFraction,
                weightDecay,
                beta1,
                beta2,
                clip,
                patchWeight,
                evalEvery,
                evalImages,
                checkpointMinutes,
                frames);
    }

    /** A copy that trains the micro LLaVA-NeXT on these frames (empty: the micro LLaVA). */
    public TrainingRecipe withFrames(List<Frame> newFrames) {
        return new TrainingRecipe(
                visionWidth,
                visionBlocks,
                width,
                layers,
                mlp,
                seed,
                stageABatch,
                stageASteps,
                stageALr,
                batch,
                phases,
                lr,
                warmupSteps,
                decayFraction,
                minLrFraction,
                weightDecay,
                beta1,
                beta2,
                clip,
                patchWeight,
                evalEvery,
                evalImages,
                checkpointMinutes,
                newFrames.stream().map(Frame::toString).toList());
    }
}
