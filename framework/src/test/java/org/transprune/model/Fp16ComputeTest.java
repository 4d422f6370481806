package org.transprune.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.transprune.checkpoint.Halving;
import org.transprune.checkpoint.InMemoryTensorSource;
import org.transprune.checkpoint.Narrowing;
import org.transprune.checkpoint.RandomLlavaWeights;
import org.transprune.checkpoint.TensorSource;
import org.transprune.checkpoint.TensorType;
import org.transprune.config.LlavaConfig;

/**
 * fp16 compute on the tiny model: logits within a stated tolerance of fp32, the KV cache and decoding in
 * fp16 equal an fp16 recompute, weights held in fp16, and bf16 rounded to fp16 at load with overflows counted.
 */
class Fp16ComputeTest {
    /**
     * Largest |fp16 - fp32| logit allowed, relative to the largest |fp32 logit|: fp16 keeps 11 significant
     * bits (relative rounding 4.9e-4 per operation), and four layers of products and sums compound it.
     */
    static final float RELATIVE_TOLERANCE = 1e-2f;

    private static final int PREFIX = 3;
    private static final int SUFFIX = 5;
    private static LlavaConfig config;
    private static TensorSource weights;
    private static LlavaModel fp32;
    private static LlavaModel fp16;

    @BeforeAll
    static void load() {
        config = TinyModels.config();
        weights = RandomLlavaWeights.generate(config, 11);
        fp32 = LlavaModel.load(config, weights, Device.cpu(), WeightPolicy.FP32, 0, ComputeDtype.FP32);
        fp16 = LlavaModel.load(
                config, weights, Device.cpu(), WeightPolicy.FP32, config.text().numLayers(), ComputeDtype.FP16);
    }

    @AfterAll
    static void close() {
        fp32.close();
        fp16.close();
    }

    private static float[] prefillLogits(LlavaModel model, int[] ids) {
        try (InferenceSession s = model.newSession()) {
            NDArray image = model.encodeImage(TinyModels.pixels(config, 5), s.manager());
            return s.prefill(ids, PREFIX, image, null, ForwardHooks.NONE).logits();
        }
    }

    private static int[] prompt() {
        return TinyModels.prompt(PREFIX, config.imageTokens(), SUFFIX, 3);
    }

    @Test
    void fp16LogitsAreWithinToleranceOfFp32() {
        float[] a = prefillLogits(fp32, prompt());
        float[] b = prefillLogits(fp16, prompt());
        float scale = 0;
        float diff = 0;
        for (int i = 0; i < a.length; i++) {
            scale = Math.max(scale, Math.abs(a[i]));
            diff = Math.max(diff, Math.abs(a[i] - b[i]));
        }
        assertTrue(scale > 0.1f, "logits too small to compare: " + scale);
        System.out.printf(
                "tiny model fp16 vs fp32: max |diff| %.3g of max |logit| %.3g (relative %.3g)%n",
                diff, scale, diff / scale);
        assertTrue(diff / scale < RELATIVE_TOLERANCE, "max |fp16 - fp32| = " + diff + " of max |logit| " + scale);
        assertEquals(argmax(a), argmax(b), "greedy token");
        // fp16 is not fp32: the difference is real, not a silent fallback to fp32
        assertTrue(diff > 0, "fp16 logits equal fp32 exactly");
    }

    @Test
    void weightsAndActivationsAreFp16AndProbabilitiesFp32() {
        assertEquals(ComputeDtype.FP16, fp16.dtype());
        assertEquals(ComputeDtype.FP32, fp32.dtype());
        try (InferenceSession s = fp16.newSession()) {
            NDArray image = fp16.encodeImage(TinyModels.pixels(config, 5), s.manager());
            assertEquals(DataType.FLOAT16, image.getDataType());
            float[] values = LlavaModel.floats(image);
            NDArray again = fp16.imageEmbeddings(values, image.getShape(), s.manager());
            assertEquals(DataType.FLOAT16, again.getDataType());
            assertEquals(0, again.sub(image).abs().max().getFloat(), "fp16 -> fp32 -> fp16 is exact");
            DataType[] seen = new DataType[2];
            ForwardHooks hooks = new ForwardHooks(
                    new TransitionObserver() {
                        @Override
                        public boolean observesTransitions(int layer) {
                            return layer == 1;
                        }

                        @Override
                        public void onTransition(
                                int layer, SubLayer sub, NDArray before, NDArray after, TokenLayout layout) {
                            seen[0] = after.getDataType();
                        }
                    },
                    new AttentionObserver() {
                        @Override
                        public int[] attentionQueries(int layer, TokenLayout layout) {
                            return layer == 2 ? new int[] {layout.length() - 1} : null;
                        }

                        @Override
                        public void onAttention(int layer, int[] queries, NDArray probs, TokenLayout layout) {
                            seen[1] = probs.getDataType();
                        }
                    },
                    null,
                    PositionPolicy.RENUMBER);
            s.prefill(prompt(), PREFIX, image, null, hooks);
            assertEquals(DataType.FLOAT16, seen[0], "sub-layer outputs reach observers in the compute dtype");
            assertEquals(DataType.FLOAT32, seen[1], "attention probabilities are computed in fp32");
        }
    }

    @Test
    void cachedDecodingInFp16EqualsAnFp16Recompute() {
        int[] ids = prompt();
        int[] generated = {17, 42, 8};
        float[][] cached = new float[generated.length][];
        try (InferenceSession s = fp16.newSession()) {
            NDArray image = fp16.encodeImage(TinyModels.pixels(config, 5), s.manager());
            s.prefill(ids, PREFIX, image, null, ForwardHooks.NONE);
            for (int i = 0; i < generated.length; i++) {
                cached[i] = s.decode(generated[i]);
            }
        }
        for (int i = 0; i < generated.length; i++) {
            int[] longer = Arrays.copyOf(ids, ids.length + i + 1);
            System.arraycopy(generated, 0, longer, ids.length, i + 1);
            float[] recomputed = prefillLogits(fp16, longer);
            float scale = 0;
            for (float v : recomputed) {
                scale = Math.max(scale, Math.abs(v));
            }
            // Same fp16 arithmetic in a different order (one row vs the whole sequence): a few fp16 ulps.
            assertArrayEquals(recomputed, cached[i], 4e-3f * scale, "step " + i);
            assertEquals(argmax(recomputed), argmax(cached[i]), "step " + i);
        }
    }

    @Test
    void halfResidentWeightsCannotBeCombinedWithFp16() {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> LlavaModel.load(config, weights, Device.cpu(), WeightPolicy.HALF, 0, ComputeDtype.FP16));
        assertTrue(e.getMessage().contains("fp16 compute holds every weight in fp16"), e.getMessage());
    }

    @Test
    void bf16IsRoundedToFp16OnceWithOverflowsCounted() {
        float[] values = {1.5f, -2.25e5f, 7e4f, 3.0e-3f, Float.POSITIVE_INFINITY, 6.0e4f};
        ByteBuffer bf16 = ByteBuffer.allocate(2 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            bf16.putShort(Narrowing.toBfloat16(v));
        }
        bf16.flip();
        TensorSource src = new InMemoryTensorSource("test").put("t", TensorType.BF16, bf16, values.length);
        AtomicLong overflows = new AtomicLong();
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            NDArray h = Halving.toFp16(src.info("t"), src.bytes("t"), m, overflows);
            assertEquals(DataType.FLOAT16, h.getDataType());
            float[] back = h.toType(DataType.FLOAT32, false).toFloatArray();
            for (int i = 0; i < values.length; i++) {
                float bf = Narrowing.fromBfloat16(Narrowing.toBfloat16(values[i]));
                assertEquals(Narrowing.fromFloat16(Narrowing.toFloat16(bf)), back[i], "value " + i);
            }
            // -2.25e5 and 7e4 exceed 65504; infinity was infinite already and 6e4 fits
            assertEquals(2, overflows.get());
            assertEquals(Float.NEGATIVE_INFINITY, back[1]);
        }
    }

    @Test
    void fp16CheckpointTensorsLoadAsTheyAre() {
        float[] values = {0.1f, -3.5f, 1000.25f, 6e-5f};
        ByteBuffer f16 = ByteBuffer.allocate(2 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            f16.putShort(Narrowing.toFloat16(v));
        }
        f16.flip();
        TensorSource src = new InMemoryTensorSource("test").put("t", TensorType.F16, f16, 2, 2);
        AtomicLong overflows = new AtomicLong();
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            NDArray h = Halving.toFp16(src.info("t"), src.bytes("t"), m, overflows);
            assertEquals(DataType.FLOAT16, h.getDataType());
            assertEquals(new ai.djl.ndarray.types.Shape(2, 2), h.getShape());
            ByteBuffer raw = h.toByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < values.length; i++) {
                assertEquals(f16.getShort(2 * i), raw.getShort(2 * i), "bits of value " + i);
            }
            assertEquals(0, overflows.get());
        }
    }

    @Test
    void bf16ComputeIsRefusedWithAClearMessage() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ComputeDtype.parse("bf16"));
        assertEquals(ComputeDtype.BF16_REFUSED, e.getMessage());
        assertEquals(ComputeDtype.FP32, ComputeDtype.AUTO.resolve(Device.cpu()));
        assertEquals(ComputeDtype.FP16, ComputeDtype.AUTO.resolve(Device.gpu()));
    }

    static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }
}
