package org.transprune.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import java.util.List;
import java.util.Map;
import org.transprune.config.LlavaConfig;
import org.transprune.config.QwenConfig;
import org.transprune.image.QwenPixels;
import org.transprune.model.ForwardHooks;
import org.transprune.model.ImageLayout;
import org.transprune.model.InferenceSession;
import org.transprune.model.LlavaModel;
import org.transprune.model.MropePositions;
import org.transprune.model.QwenModel;
import org.transprune.model.TinyModels;
import org.transprune.model.TinyQwen;
import org.transprune.model.WeightPolicy;

/** A tiny model the conformance suite prefills prompts on: a LLaVA or a Qwen2.5-VL, both with 16 image tokens. */
abstract class ConformanceEngine implements AutoCloseable {

    /**
     * Prefills {@code ids}, whose image block of {@code imageTokens} (at most 16) starts at {@code prefix}, with the
     * first {@code imageTokens} rows of the model's embeddings of one fixed image.
     */
    abstract InferenceSession.PrefillResult prefill(int[] ids, int prefix, int imageTokens, ForwardHooks hooks);

    @Override
    public abstract void close();

    /** The model family: {@code llava} or {@code qwen2.5-vl}. */
    abstract String family();

    static ConformanceEngine llava(int layers, int imageTokens) {
        LlavaConfig config = TinyModels.config(layers);
        assertEquals(imageTokens, config.imageTokens());
        LlavaModel model = TinyModels.load(config, 21, WeightPolicy.FP32);
        float[] pixels = TinyModels.pixels(config, 5);
        return new ConformanceEngine() {
            @Override
            InferenceSession.PrefillResult prefill(int[] ids, int prefix, int n, ForwardHooks hooks) {
                try (InferenceSession session = model.newSession()) {
                    NDArray image = model.encodeImage(pixels, session.manager());
                    if (n < imageTokens) {
                        image = image.get("0:" + n);
                    }
                    return session.prefill(ids, prefix, image, null, hooks);
                }
            }

            @Override
            public void close() {
                model.close();
            }

            @Override
            String family() {
                return "llava";
            }
        };
    }

    /** The tiny Qwen2.5-VL: an 8 x 8 patch image gives 4 x 4 merged tokens; fewer tokens are its first row. */
    static ConformanceEngine qwen(int layers, int imageTokens) {
        QwenConfig config = TinyQwen.config(List.of(1), layers);
        Map<String, float[]> weights = TinyQwen.weights(config, 21);
        QwenModel model = TinyQwen.load(config, weights);
        QwenPixels pixels = TinyQwen.pixels(config, 8, 8, 5);
        assertEquals(imageTokens, pixels.tokens(2));
        return new ConformanceEngine() {
            @Override
            InferenceSession.PrefillResult prefill(int[] ids, int prefix, int n, ForwardHooks hooks) {
                int rows = n == imageTokens ? 4 : 1;
                int cols = n / rows;
                try (InferenceSession session = model.newSession()) {
                    NDArray image = model.encodeImage(pixels, session.manager());
                    if (n < imageTokens) {
                        image = image.get("0:" + n);
                    }
                    return session.prefill(
                            ids,
                            prefix,
                            image,
                            MropePositions.of(ids.length, prefix, rows, cols),
                            ImageLayout.singleView(rows, cols, n),
                            hooks);
                }
            }

            @Override
            public void close() {
                model.close();
            }

            @Override
            String family() {
                return "qwen2.5-vl";
            }
        };
    }
}
