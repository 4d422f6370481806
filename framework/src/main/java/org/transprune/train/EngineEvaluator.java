package org.transprune.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.transprune.checkpoint.Checkpoint;
import org.transprune.checkpoint.Checkpoints;
import org.transprune.image.ImagePreprocessor;
import org.transprune.image.RgbImage;
import org.transprune.model.ForwardHooks;
import org.transprune.model.Generation;
import org.transprune.model.InferenceSession;
import org.transprune.model.LlavaModel;
import org.transprune.model.WeightPolicy;
import org.transprune.synth.Question;
import org.transprune.synth.QuestionType;
import org.transprune.synth.Sample;
import org.transprune.synth.Scene;
import org.transprune.synth.Split;
import org.transprune.synth.SynthSampler;
import org.transprune.text.PromptEncoder;
import org.transprune.text.PromptTokens;
import org.transprune.text.Tokenizer;

/**
 * Held-out accuracy of a saved checkpoint, measured with the inference engine exactly as
 * evaluation will run it: the checkpoint directory is opened with {@link Checkpoints#open}, images
 * go through its {@code preprocessor_config.json}, prompts through its tokenizer and
 * {@link MicroModel#TEMPLATE}, answers by greedy decoding, scored by exact match.
 */
public final class EngineEvaluator {
    /** Tokens a single-word answer may take before EOS. */
    private static final int MAX_NEW_TOKENS = 3;

    private final List<Sample> samples;

    /** Accuracy overall and per question type, with the count of questions. */
    public record Result(double overall, Map<QuestionType, Double> perType, int questions) {}

    /**
     * A fixed held-out set: the first {@code images} samples of the validation stream of {@code seed},
     * {@code questionsPerImage} questions each (the test split stays untouched for the final report).
     */
    public EngineEvaluator(long seed, int images, int questionsPerImage) {
        SynthSampler sampler = new SynthSampler(seed, Split.VAL, questionsPerImage);
        samples = new ArrayList<>();
        for (int i = 0; i < images; i++) {
            samples.add(sampler.next());
        }
    }

    /** An evaluator over given samples (e.g. scenes built for a diagnosis). */
    public EngineEvaluator(List<Sample> samples) {
        this.samples = List.copyOf(samples);
    }

    /** Number of questions evaluated. */
    public int questions() {
        return samples.stream().mapToInt(s -> s.questions().size()).sum();
    }

    /** Loads the checkpoint in {@code dir} and scores it. */
    public Result evaluate(Path dir) throws Exception {
        try (Checkpoint ckpt = Checkpoints.open(dir);
                Tokenizer tokenizer = Tokenizer.load(ckpt.tokenizerJson()
                        .orElseThrow(() -> new IllegalArgumentException(dir + " has no tokenizer.json")));
                LlavaModel model = LlavaModel.load(ckpt.config(), ckpt.tensors(), Device.cpu(), WeightPolicy.FP32)) {
            ImagePreprocessor pre = ImagePreprocessor.fromConfig(ckpt.preprocessorConfig()
                    .orElseThrow(() -> new IllegalArgumentException(dir + " has no preprocessor_config.json")));
            int eos = tokenizer.eosId().orElseThrow();
            int n = ckpt.config().imageTokens();
            int maxContext = ckpt.config().text().maxPositionEmbeddings();
            Map<QuestionType, int[]> counts = new EnumMap<>(QuestionType.class); // {correct, total}
            int correct = 0;
            int total = 0;
            for (Sample sample : samples) {
                float[] pixels = pre.preprocess(rgb(sample.scene())).data();
                try (NDManager imageManager = NDManager.newBaseManager(Device.cpu())) {
                    NDArray image = model.encodeImage(pixels, imageManager); // once per image, shared by its questions
                    for (Question q : sample.questions()) {
                        PromptTokens prompt = PromptEncoder.encode(
                                tokenizer,
                                MicroModel.TEMPLATE,
                                MicroModel.questionText(q.text()),
                                n,
                                maxContext,
                                MAX_NEW_TOKENS);
                        String answer;
                        try (InferenceSession session = model.newSession()) {
                            InferenceSession.PrefillResult prefill =
                                    session.prefill(prompt.ids(), prompt.imageStart(), image, null, ForwardHooks.NONE);
                            Generation g = Generation.greedy(session, prefill, MAX_NEW_TOKENS, Set.of(eos));
                            answer = tokenizer.decode(g.tokens()).trim();
                        }
                        boolean ok = answer.equals(q.answer());
                        int[] c = counts.computeIfAbsent(q.type(), t -> new int[2]);
                        c[0] += ok ? 1 : 0;
                        c[1]++;
                        correct += ok ? 1 : 0;
                        total++;
                    }
                }
            }
            Map<QuestionType, Double> perType = new EnumMap<>(QuestionType.class);
            counts.forEach((t, c) -> perType.put(t, (double) c[0] / c[1]));
            return new Result((double) correct / total, perType, total);
        }
    }

    static RgbImage rgb(Scene scene) {
        int[] rgb = new int[Scene.SIZE * Scene.SIZE];
        scene.renderInto(rgb);
        byte[] bytes = new byte[3 * rgb.length];
        for (int i = 0; i < rgb.length; i++) {
            bytes[3 * i] = (byte) (rgb[i] >> 16);
            bytes[3 * i + 1] = (byte) (rgb[i] >> 8);
            bytes[3 * i + 2] = (byte) rgb[i];
        }
        return new RgbImage(Scene.SIZE, Scene.SIZE, bytes);
    }
}
