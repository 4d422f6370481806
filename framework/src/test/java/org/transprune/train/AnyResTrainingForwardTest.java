package org.transprune.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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
import org.transprune.checkpoint.CanonicalNames;
import org.transprune.checkpoint.Checkpoint;
import org.transprune.checkpoint.Checkpoints;
import org.transprune.checkpoint.TensorType;
import org.transprune.config.AnyResConfig;
import org.transprune.config.LlavaConfig;
import org.transprune.config.TextConfig;
import org.transprune.config.VisionConfig;
import org.transprune.image.AnyResPlan;
import org.transprune.image.ImagePreprocessor;
import org.transprune.image.Images;
import org.transprune.model.AnyResEncoder;
import org.transprune.model.ForwardHooks;
import org.transprune.model.InferenceSession;
import org.transprune.model.LlavaModel;
import org.transprune.model.WeightPolicy;
import org.transprune.synth.Frame;
import org.transprune.synth.Question;
import org.transprune.synth.Sample;
import org.transprune.synth.Split;
import org.transprune.synth.SynthSampler;
import org.transprune.text.PromptEncoder;
import org.transprune.text.PromptTokens;
import org.transprune.text.Tokenizer;

/**
 * The AnyRes training forward computes what the engine computes for a LLaVA-NeXT checkpoint: its image
 * block equals {@link AnyResEncoder}'s embeddings (views through the tower, grid, unpadding, newlines,
 * base first), and its logits at every target row equal the engine's prefill and decode with that block.
 */
class AnyResTrainingForwardTest {

    @TempDir
    Path dir;

    /** 56 px views (4 x 4 patches), pinpoints multiples of 56, hf rules, newlines. */
    private static LlavaConfig tinyNext() {
        VisionConfig v = new VisionConfig(32, 64, 2, 2, 56, 14, 1e-5, "quick_gelu");
        TextConfig t = new TextConfig(48, 96, 2, 4, 2, MicroModel.vocabSize(), 1e-6, 10000.0, 512, false);
        AnyResConfig anyRes = new AnyResConfig(
                List.of(new int[] {56, 112}, new int[] {112, 56}, new int[] {112, 112}), AnyResConfig.HF, true);
        return new LlavaConfig(v, t, "mlp2x_gelu", -2, "default", MicroModel.imageTokenId(), anyRes);
    }

    private static void randomise(TrainableLlava model) {
        SplittableRandom r = new SplittableRandom(11);
        for (String name : model.names()) {
            float[] v = model.values(name);
            boolean gain = name.contains("norm") && name.endsWith("weight");
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) ((gain ? 1 : 0) + 0.08 * r.nextGaussian());
            }
            model.setValues(name, v);
        }
    }

    private static List<Sample> samples(Frame frame, int n, int questions) {
        SynthSampler sampler = new SynthSampler(5, Split.TRAIN, questions, List.of(frame));
        List<Sample> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(sampler.next());
        }
        return out;
    }

    @Test
    void imageBlockAndLogitsEqualTheEngine() throws Exception {
        LlavaConfig config = tinyNext();
        try (NDManager root = NDManager.newBaseManager(Device.cpu());
                TrainableLlava model = new TrainableLlava(config, root, 7)) {
            assertTrue(model.trainableNames().contains(CanonicalNames.IMAGE_NEWLINE), "image_newline is trained");
            randomise(model);
            Path ckpt = MicroCheckpoint.write(model, dir.resolve("ckpt"), TensorType.F32);
            try (Tokenizer tokenizer = Tokenizer.load(ckpt);
                    Checkpoint opened = Checkpoints.open(ckpt);
                    LlavaModel engine =
                            LlavaModel.load(opened.config(), opened.tensors(), Device.cpu(), WeightPolicy.FP32)) {
                assertEquals(config, opened.config(), "the exported checkpoint reads back as the same LLaVA-NeXT");
                AnyResEncoder encoder = AnyResEncoder.load(engine, opened.tensors());
                ImagePreprocessor pre =
                        ImagePreprocessor.fromConfig(opened.preprocessorConfig().orElseThrow());
                BatchBuilder builder = new BatchBuilder(config, tokenizer, pre);
                int h = config.text().hiddenSize();
                // 300x200 is padded to 112x112 and unpadded (rows cut); 168x336 is a tall 2x1 grid; 336x168 wide.
                int[][] expectedShape = {{300, 200, 2, 2}, {168, 336, 2, 1}, {336, 168, 1, 2}};
                double worstImage = 0;
                double worstLogit = 0;
                for (int[] e : expectedShape) {
                    Frame frame = new Frame(e[0], e[1]);
                    List<Sample> batchSamples = samples(frame, 2, 2);
                    PackedBatch batch = builder.build(batchSamples, true, 0.5f);
                    AnyResPlan plan = builder.plan(batchSamples.get(0).scene());
                    assertEquals(e[2], plan.tileRows(), frame + " tile rows");
                    assertEquals(e[3], plan.tileCols(), frame + " tile columns");
                    int n = plan.imageTokens();
                    assertEquals(n, batch.text().imageLength());
                    float[] block;
                    float[] logits;
                    try (NDManager step = root.newSubManager()) {
                        block = model.imageEmbeddings(batch.images(), step).toFloatArray();
                        logits = model.forward(batch, step).targetLogits().toFloatArray();
                    }
                    assertEquals(2 * n * h, block.length);
                    int vocab = config.text().vocabSize();
                    int target = 0;
                    for (int i = 0; i < batchSamples.size(); i++) {
                        Sample sample = batchSamples.get(i);
                        float[] expected;
                        try (NDManager m = root.newSubManager()) {
                            expected = encoder.encode(Images.toRgb(sample.image()), pre, m)
                                    .toFloatArray();
                        }
                        float[] actual = new float[n * h];
                        System.arraycopy(block, i * n * h, actual, 0, n * h);
                        assertArrayEquals(expected, actual, 1e-5f, frame + " image " + i + ": image block");
                        worstImage = Math.max(worstImage, maxDiff(expected, actual));
                        for (Question q : sample.questions()) {
                            PromptTokens prompt = PromptEncoder.encode(
                                    tokenizer,
                                    MicroModel.TEMPLATE,
                                    MicroModel.questionText(q.text()),
                                    n,
                                    config.text().maxPositionEmbeddings(),
                                    2);
                            try (InferenceSession session = engine.newSession()) {
                                NDArray image = encoder.encode(Images.toRgb(sample.image()), pre, session.manager());
                                float[] want = session.prefill(
                                                prompt.ids(), prompt.imageStart(), image, null, ForwardHooks.NONE)
                                        .logits();
                                worstLogit = Math.max(worstLogit, compare(want, logits, target++, vocab));
                                for (int a : tokenizer.encode(q.answer(), false)) {
                                    want = session.decode(a);
                                    worstLogit = Math.max(worstLogit, compare(want, logits, target++, vocab));
                                }
                            }
                        }
                    }
                    assertEquals(batch.targetCount(), target, frame + ": every target row compared");
                }
                System.out.printf(
                        "AnyRes training forward vs engine: image block worst |diff| %.2e, logits %.2e%n",
                        worstImage, worstLogit);
            }
        }
    }

    @Test
    void newlineAndTowerGetGradients() throws Exception {
        LlavaConfig config = tinyNext();
        try (NDManager root = NDManager.newBaseManager(Device.cpu());
                TrainableLlava model = new TrainableLlava(config, root, 3)) {
            MicroModel.writeTextAndImageFiles(dir, config);
            try (Tokenizer tokenizer = Tokenizer.load(dir)) {
                BatchBuilder builder = new BatchBuilder(
                        config, tokenizer, ImagePreprocessor.fromConfig(dir.resolve("preprocessor_config.json")));
                PackedBatch batch = builder.build(samples(new Frame(336, 168), 2, 2), true, 0.5f);
                try (NDManager step = root.newSubManager();
                        ai.djl.training.GradientCollector gc =
                                ai.djl.engine.Engine.getInstance().newGradientCollector()) {
                    gc.backward(model.forward(batch, step).total());
                }
                for (String name : List.of(CanonicalNames.IMAGE_NEWLINE, CanonicalNames.PATCH_EMBEDDING)) {
                    float[] g = model.parameter(name).getGradient().toFloatArray();
                    double norm = 0;
                    for (float x : g) {
                        norm += x * x;
                    }
                    assertTrue(norm > 0, name + " has no gradient");
                }
            }
        }
    }

    private static double maxDiff(float[] a, float[] b) {
        double worst = 0;
        for (int i = 0; i < a.length; i++) {
            worst = Math.max(worst, Math.abs(a[i] - b[i]));
        }
        return worst;
    }

    private static double compare(float[] expected, float[] actual, int row, int vocab) {
        double worst = 0;
        double scale = 0;
        for (int v = 0; v < vocab; v++) {
            scale = Math.max(scale, Math.abs(expected[v]));
            worst = Math.max(worst, Math.abs(expected[v] - actual[row * vocab + v]));
        }
        assertTrue(scale > 0.05, "logits too small to compare meaningfully: " + scale);
        assertTrue(worst <= 1e-4, "target row " + row + ": max |engine - training| = " + worst);
        return worst;
    }
}
