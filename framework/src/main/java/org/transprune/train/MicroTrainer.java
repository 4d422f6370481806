package org.transprune.train;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.transprune.checkpoint.TensorType;
import org.transprune.image.ImagePreprocessor;
import org.transprune.synth.QuestionType;
import org.transprune.text.Tokenizer;

/**
 * Trains the micro LLaVA from a {@link TrainingRecipe} into an output directory:
 * <ul>
 *   <li>{@code model/}: the latest llava-hf checkpoint (fp16), written at every evaluation and at the end;</li>
 *   <li>{@value #STATE_FILE}: parameters, optimiser state and progress, written atomically every
 *       few minutes and when stopping; {@link #resume} continues from it bit-exactly;</li>
 *   <li>{@value TrainingLog#CSV}, {@value TrainingLog#PNG}: the loss and accuracy curves;</li>
 *   <li>{@value #RECIPE_FILE}: the recipe;</li>
 *   <li>{@value #HELDOUT_DIR}{@code /}: the held-out questions of the evaluations (see {@link EngineEvaluator}).</li>
 * </ul>
 * Stops between steps only (a flag checked before each step), never inside a backward pass.
 */
public final class MicroTrainer implements AutoCloseable {
    public static final String STATE_FILE = "train-state.safetensors";
    public static final String RECIPE_FILE = "recipe.json";
    public static final String MODEL_DIR = "model";
    /** The held-out questions scored at each evaluation, in the synthetic benchmark's layout (a sweep can reuse it). */
    public static final String HELDOUT_DIR = "heldout";
    /** Written by {@link #startFrom}: the state the weights came from. */
    public static final String INIT_FILE = "init.json";
    /** Answer targets over which the running training accuracy is taken. */
    private static final int ACCURACY_WINDOW = 2000;

    private final TrainingRecipe recipe;
    private final Path out;
    private final NDManager root;
    private final TrainableLlava model;
    private final AdamW adam;
    private final Tokenizer tokenizer;
    private final BatchStream batches;
    private final TrainingLog log;
    private final AtomicBoolean stop = new AtomicBoolean();
    private final RunningAccuracy accuracy = new RunningAccuracy(ACCURACY_WINDOW);
    private EngineEvaluator evaluator;
    private ForwardEvaluator forwardEvaluator;
    private final BatchBuilder builder;
    private Consumer<String> reporter = System.out::println;
    private long step;
    private double elapsedBefore;

    private MicroTrainer(TrainingRecipe recipe, Path out, boolean resume) throws IOException {
        this.recipe = recipe;
        this.out = out;
        Engine.getInstance(); // before any JniUtils call (docs/djl-notes.md, rule 6)
        Files.createDirectories(out.resolve(MODEL_DIR));
        // The tokenizer and preprocessor files are written first and then read back, so training
        // encodes exactly as evaluation of the saved checkpoint will.
        MicroModel.writeTextAndImageFiles(out.resolve(MODEL_DIR), recipe.config());
        this.tokenizer = Tokenizer.load(out.resolve(MODEL_DIR));
        if (tokenizer.vocabSize() != recipe.config().text().vocabSize()) {
            throw new IllegalStateException("tokenizer has " + tokenizer.vocabSize() + " tokens, model "
                    + recipe.config().text().vocabSize());
        }
        ImagePreprocessor pre =
                ImagePreprocessor.fromConfig(out.resolve(MODEL_DIR).resolve("preprocessor_config.json"));
        this.builder = new BatchBuilder(recipe.config(), tokenizer, pre);
        this.batches = new BatchStream(recipe, builder);
        this.root = NDManager.newBaseManager(Device.cpu());
        this.model = new TrainableLlava(recipe.config(), root, recipe.seed());
        // The projector gets no special rate: the second attempt's higher projector rate did not
        // prevent its colour read-out failure, so nothing supports it.
        this.adam = new AdamW(model, recipe.beta1(), recipe.beta2(), 1e-8, recipe.weightDecay(), name -> 1.0);
        if (resume) {
            Path state = out.resolve(STATE_FILE);
            TrainingRecipe saved = TrainingRecipe.fromJson(TrainState.recipeOf(state));
            if (!saved.equals(recipe)) {
                // Only an extension of the last phase keeps everything done so far valid.
                if (!saved.extended(recipe.totalSteps() - saved.totalSteps()).equals(recipe)) {
                    throw new IllegalArgumentException("the recipe differs from the one in " + state
                            + " by more than the length of its last phase");
                }
                Files.writeString(out.resolve(RECIPE_FILE), recipe.toJson());
            }
            TrainState s = TrainState.load(state, model, adam);
            step = s.step();
            elapsedBefore = s.elapsedSeconds();
            this.log = TrainingLog.resume(out, step);
        } else {
            if (Files.exists(out.resolve(STATE_FILE))) {
                throw new IllegalArgumentException(
                        out + " already holds a training run; resume it or use another directory");
            }
            Files.writeString(out.resolve(RECIPE_FILE), recipe.toJson());
            this.log = TrainingLog.create(out);
        }
    }

    /** Starts a new run in {@code out} (which must not hold one). */
    public static MicroTrainer start(TrainingRecipe recipe, Path out) throws IOException {
        return new MicroTrainer(recipe, out, false);
    }

    /**
     * Starts a new run in {@code out} whose weights (not optimiser state, not progress) come from
     * another run's saved state: a second training run that continues a first one's model with a new
     * recipe. The source and its step are recorded in {@value #INIT_FILE}.
     */
    public static MicroTrainer startFrom(TrainingRecipe recipe, Path out, Path sourceState) throws IOException {
        MicroTrainer t = new MicroTrainer(recipe, out, false);
        try {
            long sourceStep = TrainState.loadParameters(sourceState, t.model);
            Files.writeString(
                    out.resolve(INIT_FILE),
                    String.format(
                            Locale.ROOT,
                            "{%n  \"from\" : \"%s\",%n  \"sha256\" : \"%s\",%n  \"step\" : %d,%n  \"recipe\" : %s%n}%n",
                            sourceState.toAbsolutePath().toString().replace("\\", "\\\\"),
                            TrainState.sha256(sourceState),
                            sourceStep,
                            Files.isDirectory(sourceState) ? "null" : TrainState.recipeOf(sourceState)));
            return t;
        } catch (IOException | RuntimeException e) {
            t.close();
            throw e;
        }
    }

    /** Continues the run in {@code out} from its saved state, with the recipe it was started with. */
    public static MicroTrainer resume(Path out) throws IOException {
        return resume(out, 0);
    }

    /**
     * Continues the run in {@code out} with its last phase made {@code extraSteps} longer. The data
     * stream and everything before are unchanged; the learning-rate schedule stretches with stage B
     * (seamless while the run is still before the final decay, a re-warm after it).
     */
    public static MicroTrainer resume(Path out, int extraSteps) throws IOException {
        Path state = out.resolve(STATE_FILE);
        if (!Files.isRegularFile(state)) {
            throw new IllegalArgumentException("no training state to resume: " + state);
        }
        TrainingRecipe recipe = TrainingRecipe.fromJson(TrainState.recipeOf(state));
        return new MicroTrainer(recipe.extended(extraSteps), out, true);
    }

    public TrainingRecipe recipe() {
        return recipe;
    }

    public TrainableLlava model() {
        return model;
    }

    /** Steps completed. */
    public long step() {
        return step;
    }

    /** Where progress lines go (default stdout); a progress bar replaces them in a terminal. */
    public void reporter(Consumer<String> reporter) {
        this.reporter = reporter;
    }

    /** Asks the loop to stop after the current step (safe from a shutdown hook). */
    public void requestStop() {
        stop.set(true);
    }

    /** Progress of one step, for callers that draw a progress bar. */
    public record StepInfo(long step, int total, double loss, double runningAccuracy, double samplesPerSecond) {}

    /**
     * Trains until {@code untilStep} (capped at the recipe's total), the time budget or a stop
     * request, then saves the state, exports the checkpoint and evaluates it.
     *
     * @param untilStep the global step to stop at
     * @param maxSeconds wall-time budget of this call (checked between steps)
     * @param onStep called after every step
     */
    public void train(long untilStep, double maxSeconds, Consumer<StepInfo> onStep) throws Exception {
        long target = Math.min(untilStep, recipe.totalSteps());
        long t0 = System.nanoTime();
        long lastSave = t0;
        double window = 0;
        int windowImages = 0;
        long windowStart = System.nanoTime();
        while (step < target && !stop.get() && (System.nanoTime() - t0) / 1e9 < maxSeconds) {
            long s0 = System.nanoTime();
            StepResult r = trainStep();
            double seconds = (System.nanoTime() - s0) / 1e9;
            step++;
            windowImages += r.images;
            window = (System.nanoTime() - windowStart) / 1e9;
            double rate = windowImages / Math.max(1e-9, window);
            if (window > 60) {
                windowStart = System.nanoTime();
                windowImages = 0;
            }
            double elapsed = elapsedBefore + (System.nanoTime() - t0) / 1e9;
            log.step(step, r, accuracy.value(), seconds, elapsed);
            onStep.accept(new StepInfo(step, recipe.totalSteps(), r.loss, accuracy.value(), rate));
            if (recipe.evalEvery() > 0 && step % recipe.evalEvery() == 0 && step < target) {
                evaluate(elapsed);
            }
            if ((System.nanoTime() - lastSave) / 60e9 >= recipe.checkpointMinutes()) {
                saveState(elapsedBefore + (System.nanoTime() - t0) / 1e9);
                lastSave = System.nanoTime();
            }
        }
        double elapsed = elapsedBefore + (System.nanoTime() - t0) / 1e9;
        saveState(elapsed);
        if (stop.get()) {
            exportCheckpoint(); // stopping: no evaluation, so the process ends promptly
        } else {
            evaluate(elapsed);
        }
        elapsedBefore = elapsed;
    }

    /** Saves the training state now. */
    public void saveState(double elapsedSeconds) {
        new TrainState(step, elapsedSeconds, recipe.toJson()).save(out.resolve(STATE_FILE), model, adam);
    }

    /** Exports the checkpoint and scores it with the engine on the held-out set; logs and plots. */
    public EngineEvaluator.Result evaluate(double elapsedSeconds) throws Exception {
        Path dir = exportCheckpoint();
        if (recipe.evalImages() <= 0 || step <= recipe.stageASteps()) {
            log.plot();
            return null;
        }
        if (evaluator == null) {
            evaluator = EngineEvaluator.heldOut(
                    out.resolve(HELDOUT_DIR), recipe.seed(), recipe.evalImages(), 2, recipe.imageFrames());
        }
        long t = System.nanoTime();
        EngineEvaluator.Result r;
        if (recipe.anyRes()) {
            // The same held-out samples, answered by the training forward (the pipeline does not read AnyRes yet).
            if (forwardEvaluator == null) {
                forwardEvaluator =
                        ForwardEvaluator.heldOut(recipe.seed(), recipe.evalImages(), 2, recipe.imageFrames());
            }
            r = forwardEvaluator.evaluate(model, builder);
        } else {
            r = evaluator.evaluate(dir);
        }
        StringBuilder line = new StringBuilder(String.format(
                Locale.ROOT, "step %d: held-out accuracy %.3f on %d questions (", step, r.overall(), r.questions()));
        for (Map.Entry<QuestionType, Double> e : r.perType().entrySet()) {
            line.append(String.format(Locale.ROOT, " %s %.3f", e.getKey().category(), e.getValue()));
        }
        line.append(String.format(Locale.ROOT, " ) in %.0f s", (System.nanoTime() - t) / 1e9));
        reporter.accept(line.toString());
        log.evaluation(step, r, elapsedSeconds);
        log.plot();
        return r;
    }

    /** Writes the fp16 llava-hf checkpoint into {@code out/model}. */
    public Path exportCheckpoint() throws IOException {
        return MicroCheckpoint.write(model, out.resolve(MODEL_DIR), TensorType.F16);
    }

    /** What one step did. */
    record StepResult(
            int stage,
            int questionsPerImage,
            int images,
            double lr,
            double loss,
            double answerLoss,
            double patchLoss,
            double gradNorm,
            int questions,
            double dataSeconds) {}

    private StepResult trainStep() throws Exception {
        BatchStream.Prepared prepared = batches.take(step);
        int ph = recipe.phaseOf(step);
        boolean stageA = ph < 0;
        int perImage = stageA ? 1 : recipe.phases().get(ph).questionsPerImage();
        int b = stageA ? recipe.stageABatch() : recipe.batch();
        return compute(prepared.batch(), stageA, perImage, b, recipe.learningRate(step), prepared.seconds());
    }

    private StepResult compute(PackedBatch batch, boolean stageA, int perImage, int b, double lr, double dataSeconds) {
        try (NDManager stepManager = root.newSubManager()) {
            TrainableLlava.Output o;
            NDArray loss;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                o = model.forward(batch, stepManager);
                loss = o.total();
                gc.backward(loss);
            }
            List<String> active = stageA ? visionNames() : model.trainableNames();
            double norm = adam.update(active, lr, recipe.clip(), stepManager);
            double answerLoss =
                    o.answerLoss() == null ? Double.NaN : o.answerLoss().getFloat();
            double patchLoss =
                    o.patchLoss() == null ? Double.NaN : o.patchLoss().getFloat();
            if (o.targetLogits() != null) {
                accuracy.record(
                        batch,
                        o.targetLogits().toFloatArray(),
                        recipe.config().text().vocabSize());
            }
            return new StepResult(
                    stageA ? 0 : 1,
                    stageA ? 0 : perImage,
                    b,
                    lr,
                    loss.getFloat(),
                    answerLoss,
                    patchLoss,
                    norm,
                    batch.questions(),
                    dataSeconds);
        }
    }

    private List<String> visionNames() {
        return model.trainableNames().stream()
                .filter(n -> n.startsWith("vision_tower.")
                        || n.equals(TrainingHeads.PATCH_WEIGHT)
                        || n.equals(TrainingHeads.PATCH_BIAS))
                .toList();
    }

    @Override
    public void close() throws IOException {
        batches.close();
        log.close();
        tokenizer.close();
        adam.close();
        model.close();
        root.close();
    }
}
