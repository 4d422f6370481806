package org.transprune.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transprune.checkpoint.Checkpoint;
import org.transprune.checkpoint.Checkpoints;
import org.transprune.checkpoint.TensorType;
import org.transprune.config.LlavaConfig;
import org.transprune.config.TextConfig;
import org.transprune.config.VisionConfig;
import org.transprune.image.ImagePreprocessor;
import org.transprune.model.ForwardHooks;
import org.transprune.model.InferenceSession;
import org.transprune.model.LlavaModel;
import org.transprune.model.WeightPolicy;
import org.transprune.synth.Question;
import org.transprune.synth.Sample;
import org.transprune.synth.Split;
import org.transprune.synth.SynthSampler;
import org.transprune.text.PromptEncoder;
import org.transprune.text.PromptTokens;
import org.transprune.text.Tokenizer;

/**
 * The engine evaluates what the trainer trains: with the same weights, the batched training
 * forward (packed questions, padding, batch of images) gives the engine's next-token logits at
 * every target row, through the exported checkpoint directory.
 */
class TrainingForwardMatchesEngineTest {

    @TempDir
    Path dir;

    /** Tiny sizes; grouped KV heads and the LLaVA -2 feature layer exercise the general paths. */
    private static LlavaConfig tiny() {
        VisionConfig v = new VisionConfig(32, 64, 3, 2, 56, 14, 1e-5, "quick_gelu");
        TextConfig t = new TextConfig(48, 96, 3, 4, 2, MicroModel.vocabSize(), 1e-6, 10000.0, 256, false);
        return new LlavaConfig(v, t, "mlp2x_gelu", -2, "default", MicroModel.imageTokenId());
    }

    @Test
    void tinyModelAgreesWithEngineOnPackedBatch() throws Exception {
        check(tiny(), 3, 2, 1e-4);
    }

    @Test
    void defaultMicroModelAgreesWithEngine() throws Exception {
        check(MicroModel.defaultConfig(), 1, 2, 1e-4);
    }

    private void check(LlavaConfig config, int images, int questionsPerImage, double tolerance) throws Exception {
        try (NDManager root = NDManager.newBaseManager(Device.cpu());
                TrainableLlava model = new TrainableLlava(config, root, 7)) {
            // Every parameter random (gains and biases too), so a misplaced bias or gain shows.
            SplittableRandom r = new SplittableRandom(11);
            for (String name : model.names()) {
                float[] v = model.values(name);
                boolean gain = name.contains("norm") && name.endsWith("weight");
                for (int i = 0; i < v.length; i++) {
                    v[i] = (float) ((gain ? 1 : 0) + 0.08 * r.nextGaussian());
                }
                model.setValues(name, v);
            }
            Path ckpt = MicroCheckpoint.write(model, dir.resolve("ckpt"), TensorType.F32);

            List<Sample> samples = new ArrayList<>();
            SynthSampler sampler = new SynthSampler(5, Split.TRAIN, questionsPerImage);
            for (int i = 0; i < images; i++) {
                samples.add(sampler.next());
            }
            try (Tokenizer tokenizer = Tokenizer.load(ckpt);
                    Checkpoint opened = Checkpoints.open(ckpt);
                    LlavaModel engine =
                            LlavaModel.load(opened.config(), opened.tensors(), Device.cpu(), WeightPolicy.FP32);
                    NDManager step = root.newSubManager()) {
                ImagePreprocessor pre =
                        ImagePreprocessor.fromConfig(opened.preprocessorConfig().orElseThrow());
                BatchBuilder builder = new BatchBuilder(config, tokenizer, pre);
                PackedBatch batch = builder.build(samples, true, 0.5f);
                float[] logits = model.forward(batch, step).targetLogits().toFloatArray();
                int vocab = config.text().vocabSize();
                int eos = tokenizer.eosId().orElseThrow();

                int target = 0;
                int compared = 0;
                double worst = 0;
                for (Sample sample : samples) {
                    float[] pixels = builder.pixels(sample.scene());
                    for (Question q : sample.questions()) {
                        PromptTokens prompt = PromptEncoder.encode(
                                tokenizer,
                                MicroModel.TEMPLATE,
                                MicroModel.questionText(q.text()),
                                config.imageTokens(),
                                256,
                                2);
                        int[] answer = tokenizer.encode(q.answer(), false);
                        try (InferenceSession session = engine.newSession()) {
                            NDArray image = engine.encodeImage(pixels, session.manager());
                            float[] expected = session.prefill(
                                            prompt.ids(), prompt.imageStart(), image, null, ForwardHooks.NONE)
                                    .logits();
                            worst = Math.max(worst, compare(expected, logits, target++, vocab, tolerance));
                            for (int a : answer) {
                                expected = session.decode(a);
                                worst = Math.max(worst, compare(expected, logits, target++, vocab, tolerance));
                            }
                            compared += 1 + answer.length;
                        }
                    }
                }
                assertEquals(batch.targetCount(), target, "every target row was compared");
                assertEquals(eos, batch.text().targets().ids()[1], "the answer is followed by EOS");
                assertTrue(compared >= images * questionsPerImage * 2);
                System.out.printf("training forward vs engine: %d rows, worst |diff| %.2e%n", compared, worst);
            }
        }
    }

    private static double compare(float[] expected, float[] actual, int row, int vocab, double tolerance) {
        double worst = 0;
        double scale = 0;
        for (int v = 0; v < vocab; v++) {
            scale = Math.max(scale, Math.abs(expected[v]));
            worst = Math.max(worst, Math.abs(expected[v] - actual[row * vocab + v]));
        }
        // The logits are O(1) with these weights; the bound is absolute, and scale guards against a vacuous test.
        assertTrue(scale > 0.05, "logits too small to compare meaningfully: " + scale);
        assertTrue(worst <= tolerance, "target row " + row + ": max |engine - training| = " + worst);
        return worst;
    }
}
