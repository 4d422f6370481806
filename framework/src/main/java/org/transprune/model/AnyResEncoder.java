package org.transprune.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import org.transprune.checkpoint.CanonicalNames;
import org.transprune.checkpoint.TensorSource;
import org.transprune.config.AnyResConfig;
import org.transprune.config.LlavaConfig;
import org.transprune.image.AnyRes;
import org.transprune.image.AnyResPlan;
import org.transprune.image.AnyResRules;
import org.transprune.image.ImagePreprocessor;
import org.transprune.image.RgbImage;

/**
 * LLaVA-NeXT's image embeddings: every AnyRes view through the tower and projector, the tile
 * features arranged as one grid, unpadded to the image's aspect, an {@code image_newline} after each
 * row, the base view's features first (see docs/llava-next.md). The result replaces the image block
 * of a prompt like {@link LlavaModel#encodeImage}'s does, with a per-image number of rows.
 */
public final class AnyResEncoder {
    private final LlavaModel model;
    private final AnyResConfig settings;
    private final AnyResRules rules;
    private final float[] newline;

    private AnyResEncoder(LlavaModel model, AnyResConfig settings, AnyResRules rules, float[] newline) {
        this.model = model;
        this.settings = settings;
        this.rules = rules;
        this.newline = newline;
    }

    /**
     * The encoder of an AnyRes model, reading {@code image_newline} from {@code tensors}.
     *
     * @throws IllegalArgumentException if the model is not AnyRes or keeps the CLS feature (the
     *     reference code needs a square patch grid per view)
     */
    public static AnyResEncoder load(LlavaModel model, TensorSource tensors) {
        LlavaConfig c = model.config();
        if (!c.isAnyRes()) {
            throw new IllegalArgumentException("not an AnyRes (LLaVA-NeXT) model");
        }
        if ("full".equals(c.visionFeatureSelect())) {
            throw new IllegalArgumentException(
                    "AnyRes needs vision_feature_select_strategy 'default' (a square patch grid per view)");
        }
        float[] newline = null;
        if (c.anyRes().newline()) {
            try (NDManager m = model.manager().newSubManager()) {
                newline = tensors.fp32(CanonicalNames.IMAGE_NEWLINE, m, c.text().hiddenSize())
                        .toFloatArray();
            }
        }
        return new AnyResEncoder(model, c.anyRes(), AnyResRules.parse(c.anyRes().rules()), newline);
    }

    /** The rule set this encoder follows (the checkpoint layout's own unless overridden). */
    public AnyResRules rules() {
        return rules;
    }

    /** The same encoder under another rule set. */
    public AnyResEncoder withRules(AnyResRules other) {
        return new AnyResEncoder(model, settings, other, newline);
    }

    /** The AnyRes plan of an image of {@code width x height} pixels for this model. */
    public AnyResPlan plan(int width, int height) {
        LlavaConfig c = model.config();
        return AnyRes.plan(
                width,
                height,
                settings.pinpointCopies(),
                rules,
                c.vision().imageSize(),
                c.vision().gridSize(),
                settings.newline());
    }

    /**
     * Image embeddings of {@code image}: its plan's views, each through {@code preprocessor} (without
     * padding to a square, as the reference code processes views) and the tower.
     *
     * @return {@code [plan.imageTokens(), hidden]} in {@code into}
     */
    public NDArray encode(RgbImage image, ImagePreprocessor preprocessor, NDManager into) {
        AnyResPlan plan = plan(image.width(), image.height());
        return encode(viewPixels(image, plan, preprocessor), plan, into);
    }

    /**
     * The preprocessed pixels of every view of {@code image} under {@code plan} (base view first, then the
     * tiles row by row), each through {@code preprocessor} without padding to a square.
     */
    public static List<float[]> viewPixels(RgbImage image, AnyResPlan plan, ImagePreprocessor preprocessor) {
        ImagePreprocessor pre = preprocessor.withPadToSquare(false);
        List<float[]> views = new ArrayList<>();
        for (RgbImage view : AnyRes.views(image, plan, pre.filter())) {
            views.add(pre.preprocess(view).data());
        }
        return views;
    }

    /**
     * Image embeddings from preprocessed views (base view first, then the tiles row by row).
     *
     * @return {@code [plan.imageTokens(), hidden]} in {@code into}
     */
    public NDArray encode(List<float[]> viewPixels, AnyResPlan plan, NDManager into) {
        if (viewPixels.size() != plan.views()) {
            throw new IllegalArgumentException(
                    "plan has " + plan.views() + " views, " + viewPixels.size() + " were given");
        }
        int h = model.config().text().hiddenSize();
        int g = plan.patchGrid();
        List<float[]> features = new ArrayList<>(viewPixels.size());
        try (NDManager step = into.newSubManager()) {
            for (float[] pixels : viewPixels) {
                float[] f = model.encodeImage(pixels, step).toFloatArray();
                if (f.length != g * g * h) {
                    throw new IllegalStateException("a view gave " + f.length / h + " features, expected " + g * g);
                }
                features.add(f);
            }
        }
        return model.imageEmbeddings(arrange(features, plan, newline, h), new Shape(plan.imageTokens(), h), into);
    }

    /** The {@code image_newline} embedding ({@code hidden} values), or null when the plan has no newline tokens. */
    public float[] newline() {
        return newline == null ? null : newline.clone();
    }

    /**
     * The image block from each view's projected embeddings ({@code patchGrid^2 x hidden} each, base view
     * first): the base view's, then each kept row of the unpadded tile grid followed by its newline.
     *
     * @param newline the {@code image_newline} embedding, used when the plan has newline tokens
     * @param h the projected width (the decoder's hidden size)
     * @return {@code plan.imageTokens() x hidden} values, row-major
     */
    public static float[] arrange(List<float[]> features, AnyResPlan plan, float[] newline, int h) {
        int g = plan.patchGrid();
        float[] out = new float[plan.imageTokens() * h];
        System.arraycopy(features.get(0), 0, out, 0, g * g * h);
        int at = g * g * h;
        for (int r = 0; r < plan.rows(); r++) {
            int gr = plan.firstRow() + r;
            for (int c = 0; c < plan.columns(); c++) {
                int gc = plan.firstColumn() + c;
                float[] tile = features.get(1 + (gr / g) * plan.tileCols() + gc / g);
                System.arraycopy(tile, ((gr % g) * g + gc % g) * h, out, at, h);
                at += h;
            }
            if (plan.newline()) {
                System.arraycopy(newline, 0, out, at, h);
                at += h;
            }
        }
        return out;
    }
}
