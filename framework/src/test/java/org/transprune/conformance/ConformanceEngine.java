package org.transprune.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import java.util.Map;
import org.transprune.config.LlavaConfig;
import org.transprune.config.QwenConfig;
import org.transprune.config.TextConfig;
import org.transprune.image.QwenPixels;
import org.transprune.image.TokenOrigin;
import org.transprune.image.TokenOrigins;
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
     * Prefills {@code ids}, whose image block of {@code imageTokens} starts at {@code prefix}: the first
     * {@code imageTokens} (at most 16) rows of the model's embeddings of one fixed image, or, with {@code origins},
     * {@code origins.size()} rows made from them (repeated and scaled so no two tie) standing for a larger image,
     * whose origins the engine reports to the strategy.
     */
    abstract InferenceSession.PrefillResult prefill(
            int[] ids, int prefix, int imageTokens, TokenOrigins origins, ForwardHooks hooks);

    /** The model family: {@code llava} or {@code qwen2.5-vl}. */
    abstract String family();

    /** The tiny LLaVA, for strategies with a projector stage (its tower gives each view's signals), or null. */
    LlavaModel llavaModel() {
        return null;
    }

    /** The pixels of {@link #llavaModel()}'s fixed image, or null. */
    float[] llavaPixels() {
        return null;
    }

    /** The tiny Qwen2.5-VL, for strategies with a projector stage on Qwen, or null. */
    QwenModel qwenModel() {
        return null;
    }

    /** The pixels of {@link #qwenModel()}'s fixed image (4 x 4 merged tokens), or null. */
    QwenPixels qwenPixels() {
        return null;
    }

    @Override
    public abstract void close();

    /** {@code n} image rows: the 16 base rows in turn, each copy scaled differently so no two rows tie. */
    static float[] longBlock(float[] base, int baseRows, int n) {
        int h = base.length / baseRows;
        float[] out = new float[n * h];
        for (int i = 0; i < n; i++) {
            float scale = 1f + 0.37f * (float) Math.sin(1.3 * i);
            int src = i % baseRows;
            for (int j = 0; j < h; j++) {
                out[i * h + j] = base[src * h + j] * scale;
            }
        }
        return out;
    }

    static ConformanceEngine llava(int layers, int imageTokens) {
        LlavaConfig config = TinyModels.config(layers);
        assertEquals(imageTokens, config.imageTokens());
        LlavaModel model = TinyModels.load(config, 21, WeightPolicy.FP32);
        TextConfig t = config.text();
        TextConfig longText = new TextConfig(
                t.hiddenSize(),
                t.intermediateSize(),
                t.numLayers(),
                t.numHeads(),
                t.numKeyValueHeads(),
                t.vocabSize(),
                t.rmsNormEps(),
                t.ropeTheta(),
                2048,
                false);
        // the same shapes with a context long enough for LLaVA-NeXT-sized image blocks
        LlavaModel longModel = TinyModels.load(
                new LlavaConfig(
                        config.vision(),
                        longText,
                        config.projectorType(),
                        config.visionFeatureLayer(),
                        config.visionFeatureSelect(),
                        config.imageTokenId()),
                21,
                WeightPolicy.FP32);
        float[] pixels = TinyModels.pixels(config, 5);
        return new ConformanceEngine() {
            @Override
            InferenceSession.PrefillResult prefill(
                    int[] ids, int prefix, int n, TokenOrigins origins, ForwardHooks hooks) {
                LlavaModel m = origins == null ? model : longModel;
                try (InferenceSession session = m.newSession()) {
                    NDArray image = m.encodeImage(pixels, session.manager());
                    if (origins != null) {
                        float[] rows = longBlock(LlavaModel.floats(image), imageTokens, n);
                        image = m.imageEmbeddings(rows, new Shape(n, rows.length / n), session.manager());
                    } else if (n < imageTokens) {
                        image = image.get("0:" + n);
                    }
                    return session.prefill(ids, prefix, image, origins, null, hooks);
                }
            }

            @Override
            String family() {
                return "llava";
            }

            @Override
            LlavaModel llavaModel() {
                return model;
            }

            @Override
            float[] llavaPixels() {
                return pixels;
            }

            @Override
            public void close() {
                model.close();
                longModel.close();
            }
        };
    }

    /**
     * The tiny Qwen2.5-VL with a 2048-token context: an 8 x 8 patch image gives 4 x 4 merged tokens; fewer tokens
     * are its first row; a longer block is laid out as one row of tokens (M-RoPE positions of a 1 x N grid) and
     * reports the given origins.
     */
    static ConformanceEngine qwen(int layers, int imageTokens) {
        QwenConfig base = TinyQwen.config(List.of(1), layers);
        TextConfig t = base.text();
        QwenConfig config = new QwenConfig(
                base.vision(),
                new TextConfig(
                        t.hiddenSize(),
                        t.intermediateSize(),
                        t.numLayers(),
                        t.numHeads(),
                        t.numKeyValueHeads(),
                        t.vocabSize(),
                        t.rmsNormEps(),
                        t.ropeTheta(),
                        2048,
                        false),
                base.mropeSection(),
                base.imageTokenId(),
                base.visionStartTokenId(),
                base.visionEndTokenId());
        Map<String, float[]> weights = TinyQwen.weights(config, 21);
        QwenModel model = TinyQwen.load(config, weights);
        QwenPixels pixels = TinyQwen.pixels(config, 8, 8, 5);
        assertEquals(imageTokens, pixels.tokens(2));
        return new ConformanceEngine() {
            @Override
            InferenceSession.PrefillResult prefill(
                    int[] ids, int prefix, int n, TokenOrigins origins, ForwardHooks hooks) {
                int rows = n == imageTokens ? 4 : 1;
                int cols = n / rows;
                try (InferenceSession session = model.newSession()) {
                    NDArray image = model.encodeImage(pixels, session.manager());
                    ImageLayout layout;
                    if (origins != null) {
                        float[] block = longBlock(LlavaModel.floats(image), imageTokens, n);
                        image = model.imageEmbeddings(block, new Shape(n, block.length / n), session.manager());
                        int views = 1;
                        for (TokenOrigin o : origins.all()) {
                            views = Math.max(views, o.view() + 1);
                        }
                        layout = ImageLayout.of(origins, views, 1);
                    } else {
                        if (n < imageTokens) {
                            image = image.get("0:" + n);
                        }
                        layout = ImageLayout.singleView(rows, cols, n);
                    }
                    return session.prefill(
                            ids, prefix, image, MropePositions.of(ids.length, prefix, rows, cols), layout, hooks);
                }
            }

            @Override
            String family() {
                return "qwen2.5-vl";
            }

            @Override
            QwenModel qwenModel() {
                return model;
            }

            @Override
            QwenPixels qwenPixels() {
                return pixels;
            }

            @Override
            public void close() {
                model.close();
            }
        };
    }
}
