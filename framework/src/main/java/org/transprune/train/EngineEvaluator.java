package org.transprune.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.transprune.bench.ImageLoader;
import org.transprune.bench.IssueLog;
import org.transprune.bench.OnError;
import org.transprune.bench.PerSampleScoring;
import org.transprune.bench.Sample;
import org.transprune.image.Images;
import org.transprune.model.WeightPolicy;
import org.transprune.pipeline.LlavaPipeline;
import org.transprune.synth.Frame;
import org.transprune.synth.Question;
import org.transprune.synth.QuestionType;
import org.transprune.synth.Split;
import org.transprune.synth.SynthBenchmark;
import org.transprune.synth.SynthDataset;
import org.transprune.synth.Vocabulary;

/**
 * Held-out accuracy of a saved checkpoint, computed as a sweep computes it: the held-out questions
 * are a synthetic dataset on disk ({@link SynthDataset} layout), read by {@link SynthBenchmark},
 * answered unpruned by {@link LlavaPipeline#answer} and judged by the benchmark's own
 * {@link PerSampleScoring.Judge}. A sweep over the same dataset, checkpoint and
 * {@link #MAX_NEW_TOKENS} reports the same accuracy, question for question.
 */
public final class EngineEvaluator {
    /** Generation limit: that of the reference sweeps ({@code experiments/default.yaml}); answers are one word. */
    public static final int MAX_NEW_TOKENS = 4;

    private final Path dataset;

    /** Accuracy overall and per question type, with the counts of questions and right answers. */
    public record Result(double overall, Map<QuestionType, Double> perType, int questions, int correct) {}

    /** An evaluator over the synthetic dataset in {@code dataset} (as written by {@link SynthDataset#write}). */
    public EngineEvaluator(Path dataset) {
        this.dataset = dataset;
    }

    /**
     * The held-out set of a training run in {@code dir}: the first {@code images} samples of the
     * validation stream of {@code seed}, {@code questionsPerImage} questions each (the test split stays
     * untouched for the final report). Written when {@code dir} is absent; an existing set is reused
     * only if it was written with the same arguments.
     */
    public static EngineEvaluator heldOut(Path dir, long seed, int images, int questionsPerImage) throws IOException {
        return heldOut(dir, seed, images, questionsPerImage, List.of(Frame.DEFAULT));
    }

    /** As {@link #heldOut(Path, long, int, int)}, image i drawn in {@code frames[i mod frames.size()]}. */
    public static EngineEvaluator heldOut(Path dir, long seed, int images, int questionsPerImage, List<Frame> frames)
            throws IOException {
        Path summary = dir.resolve(SynthDataset.SUMMARY);
        if (Files.isRegularFile(summary)) {
            JsonNode s = new ObjectMapper().readTree(summary.toFile());
            if (s.path("seed").asLong() != seed
                    || !Split.VAL.label().equals(s.path("split").asText())
                    || s.path("images").asInt() != images
                    || s.path("questions_per_image").asInt() != questionsPerImage) {
                throw new IllegalStateException(dir + " holds another held-out set than seed " + seed + ", " + images
                        + " images x " + questionsPerImage + " questions");
            }
        } else {
            SynthDataset.write(
                    dir,
                    seed,
                    images,
                    questionsPerImage,
                    Split.VAL,
                    Vocabulary.LLAVA_SHORT_ANSWER_SUFFIX,
                    false,
                    frames);
        }
        return new EngineEvaluator(dir);
    }

    /** The dataset directory evaluated. */
    public Path dataset() {
        return dataset;
    }

    /** Opens the checkpoint in {@code dir} (fp32, CPU) and scores it on the dataset. */
    public Result evaluate(Path dir) throws IOException {
        LlavaPipeline.Options options =
                new LlavaPipeline.Options("cpu", WeightPolicy.FP32, MicroModel.TEMPLATE.id(), null);
        try (LlavaPipeline pipeline = LlavaPipeline.open(dir, options)) {
            return evaluate(pipeline);
        }
    }

    /** Scores an open pipeline on the dataset, unpruned. */
    public Result evaluate(LlavaPipeline pipeline) throws IOException {
        SynthBenchmark benchmark = new SynthBenchmark();
        IssueLog log = new IssueLog(OnError.FAIL);
        List<Sample> samples = benchmark.readQuestions(
                dataset.resolve(SynthDataset.QUESTIONS), dataset.resolve(SynthDataset.IMAGES), log);
        PerSampleScoring.Judge judge = benchmark.judge(dataset);
        Map<String, Question> key = SynthBenchmark.answerKey(dataset);
        Map<QuestionType, int[]> counts = new EnumMap<>(QuestionType.class); // {correct, total}
        int correct = 0;
        for (Sample sample : samples) {
            String imageKey = sample.image().describe();
            Optional<BufferedImage> image =
                    pipeline.hasCachedImage(imageKey) ? Optional.empty() : ImageLoader.load(sample, log);
            String answer = pipeline.answer(
                            sample.prompt(),
                            imageKey,
                            () -> image.map(Images::toRgb).orElseThrow(),
                            null,
                            0,
                            MAX_NEW_TOKENS)
                    .text();
            boolean ok = Boolean.TRUE.equals(judge.correct(sample, answer));
            int[] c = counts.computeIfAbsent(key.get(sample.key()).type(), t -> new int[2]);
            c[0] += ok ? 1 : 0;
            c[1]++;
            correct += ok ? 1 : 0;
        }
        Map<QuestionType, Double> perType = new EnumMap<>(QuestionType.class);
        counts.forEach((t, c) -> perType.put(t, (double) c[0] / c[1]));
        return new Result((double) correct / samples.size(), perType, samples.size(), correct);
    }
}
