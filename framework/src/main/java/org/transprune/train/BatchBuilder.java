package org.transprune.train;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.transprune.config.LlavaConfig;
import org.transprune.image.AnyRes;
import org.transprune.image.AnyResPlan;
import org.transprune.image.AnyResRules;
import org.transprune.image.ImagePreprocessor;
import org.transprune.image.RgbImage;
import org.transprune.synth.PatchLabels;
import org.transprune.synth.Question;
import org.transprune.synth.QuestionType;
import org.transprune.synth.Sample;
import org.transprune.synth.Scene;
import org.transprune.synth.SceneObject;
import org.transprune.synth.ShapeKind;
import org.transprune.text.PromptEncoder;
import org.transprune.text.PromptTokens;
import org.transprune.text.Tokenizer;

/**
 * Turns synthetic samples into {@link PackedBatch}es through the same preprocessing and prompt
 * encoding as evaluation: the checkpoint's {@link ImagePreprocessor} (336 px to the tower's size)
 * and {@link PromptEncoder} with {@link MicroModel#TEMPLATE}; the target is the answer followed
 * by EOS, and only those tokens are scored.
 */
public final class BatchBuilder {
    private final LlavaConfig config;
    private final Tokenizer tokenizer;
    private final ImagePreprocessor preprocessor;
    private final int eos;
    private final int pad;
    private final int[] prefix;
    private final Map<String, int[]> afterImage = new HashMap<>();
    private final Map<String, int[]> answers = new HashMap<>();
    /** Token ids of the object nouns: every kind, its plural, and "shapes". */
    private final Set<Integer> nounIds = new HashSet<>();
    /** {@link PackedBatch#targetType()} of caption targets: after every question type's ordinal. */
    public static final int CAPTION_TYPE = QuestionType.values().length;

    public BatchBuilder(LlavaConfig config, Tokenizer tokenizer, ImagePreprocessor preprocessor) {
        this.config = config;
        this.tokenizer = tokenizer;
        this.preprocessor = preprocessor;
        this.eos = tokenizer.eosId().orElseThrow(() -> new IllegalArgumentException("tokenizer has no EOS"));
        this.pad = tokenizer.tokenId("<pad>").orElse(eos);
        this.prefix = encode("is there a red circle ?").before;
        for (ShapeKind k : ShapeKind.values()) {
            nounIds.add(tokenizer.tokenId(k.word()).orElseThrow());
            nounIds.add(tokenizer.tokenId(k.plural()).orElseThrow());
        }
        nounIds.add(tokenizer.tokenId("shapes").orElseThrow());
        if (preprocessor.cropHeight() != config.vision().imageSize()) {
            throw new IllegalArgumentException("preprocessor crops to " + preprocessor.cropHeight()
                    + " px but the tower takes " + config.vision().imageSize());
        }
    }

    private record Encoded(int[] before, int[] after) {}

    /** The evaluation prompt of a question, split at the image block. */
    private Encoded encode(String question) {
        int n = config.imageTokens();
        PromptTokens p = PromptEncoder.encode(
                tokenizer,
                MicroModel.TEMPLATE,
                MicroModel.questionText(question),
                n,
                config.text().maxPositionEmbeddings(),
                2);
        int[] ids = p.ids();
        return new Encoded(
                Arrays.copyOfRange(ids, 0, p.imageStart()),
                Arrays.copyOfRange(ids, p.textAfterImageStart(), ids.length));
    }

    private int[] after(String question) {
        return afterImage.computeIfAbsent(question, q -> {
            Encoded e = encode(q);
            if (!Arrays.equals(e.before, prefix)) {
                throw new IllegalStateException("prompt prefix depends on the question: " + q);
            }
            return e.after;
        });
    }

    /** Answer ids followed by EOS. */
    private int[] answer(String answer) {
        return answers.computeIfAbsent(answer, a -> {
            int[] ids = tokenizer.encode(a, false);
            int[] out = Arrays.copyOf(ids, ids.length + 1);
            out[ids.length] = eos;
            return out;
        });
    }

    /** The tower's normalised pixels of a sample, as evaluation computes them from the 336 px image. */
    public float[] pixels(Scene scene) {
        return preprocessor.preprocess(rgb(scene)).data();
    }

    /** The AnyRes plan of a scene's image for this (LLaVA-NeXT) model. */
    public AnyResPlan plan(Scene scene) {
        return AnyRes.plan(
                scene.width(),
                scene.height(),
                config.anyRes().pinpointCopies(),
                AnyResRules.parse(config.anyRes().rules()),
                config.vision().imageSize(),
                config.vision().gridSize(),
                config.anyRes().newline());
    }

    /**
     * The tower's normalised pixels of every AnyRes view of a scene's image (base view, then the tiles
     * row by row), each {@code [3, S, S]}, as {@code model.AnyResEncoder} preprocesses them.
     */
    public List<float[]> viewPixels(Scene scene) {
        ImagePreprocessor pre = preprocessor.withPadToSquare(false);
        List<float[]> out = new ArrayList<>();
        for (RgbImage view : AnyRes.views(rgb(scene), plan(scene), pre.filter())) {
            out.add(pre.preprocess(view).data());
        }
        return out;
    }

    /** A scene rendered in its frame, as the dataset's PNG images hold it. */
    private static RgbImage rgb(Scene scene) {
        int[] rgb = new int[scene.width() * scene.height()];
        scene.renderInto(rgb);
        byte[] bytes = new byte[3 * rgb.length];
        for (int i = 0; i < rgb.length; i++) {
            bytes[3 * i] = (byte) (rgb[i] >> 16);
            bytes[3 * i + 1] = (byte) (rgb[i] >> 8);
            bytes[3 * i + 2] = (byte) rgb[i];
        }
        return new RgbImage(scene.width(), scene.height(), bytes);
    }

    /**
     * The arrangement of one image's block (see {@link PackedBatch.Images#arrangement()}) for image
     * {@code i} of a batch: base features, then each kept row of the unpadded tile grid and its newline.
     */
    static long[] arrangement(AnyResPlan plan, int i) {
        int g = plan.patchGrid();
        int gg = g * g;
        long rowStride = (long) plan.views() * gg + 1;
        long o = i * rowStride;
        long[] out = new long[plan.imageTokens()];
        int at = 0;
        for (int p = 0; p < gg; p++) {
            out[at++] = o + p;
        }
        for (int r = 0; r < plan.rows(); r++) {
            int gr = plan.firstRow() + r;
            for (int c = 0; c < plan.columns(); c++) {
                int gc = plan.firstColumn() + c;
                int tile = 1 + (gr / g) * plan.tileCols() + gc / g;
                out[at++] = o + (long) tile * gg + (gr % g) * g + gc % g;
            }
            if (plan.newline()) {
                out[at++] = o + rowStride - 1;
            }
        }
        return out;
    }

    /**
     * Builds a batch without captions or attention supervision.
     *
     * @param samples one image each, with the questions to train on
     * @param withText false for stage A (tower and patch head only)
     * @param patchWeight weight of the auxiliary patch loss; 0 leaves it out
     */
    public PackedBatch build(List<Sample> samples, boolean withText, float patchWeight) {
        return build(samples, withText, patchWeight, null);
    }

    /** A question (or caption) to train on, with its answer; only benchmark questions are scored for accuracy. */
    private record Item(String text, String answer, int type, boolean scored, Question question) {}

    private static List<Item> items(Sample sample, boolean caption) {
        List<Item> out = new ArrayList<>();
        for (Question q : sample.questions()) {
            out.add(new Item(q.text(), q.answer(), q.type().ordinal(), true, q));
        }
        if (caption) {
            out.add(new Item(Captions.QUESTION, Captions.of(sample.scene()), CAPTION_TYPE, false, null));
        }
        return out;
    }

    /** Indices of the object nouns (a kind, its plural, or "shapes") among {@code tokens}, in order. */
    private List<Integer> nouns(int[] tokens) {
        List<Integer> nouns = new ArrayList<>();
        for (int k = 0; k < tokens.length; k++) {
            if (nounIds.contains(tokens[k])) {
                nouns.add(k);
            }
        }
        return nouns;
    }

    /**
     * Builds a batch.
     *
     * @param samples one image each, with the questions to train on
     * @param withText false for stage A (tower and patch head only)
     * @param patchWeight weight of the auxiliary patch loss; 0 leaves it out
     * @param phase captions, attention supervision, noun probe and answer routing to add (see
     *     {@link TrainingRecipe.Phase}); null for none
     */
    public PackedBatch build(List<Sample> samples, boolean withText, float patchWeight, TrainingRecipe.Phase phase) {
        PackedBatch.Images images = images(samples, patchWeight, phase != null && phase.countAnchors());
        if (!withText) {
            return PackedBatch.towerOnly(images);
        }
        int n = images.tokens(config.imageTokens());
        boolean caption = phase != null && phase.captions();
        List<List<SequencePacker.Segment>> perImage = new ArrayList<>();
        int len = 0; // the longest sequence decides L
        for (Sample sample : samples) {
            List<SequencePacker.Segment> segments = new ArrayList<>();
            int l = prefix.length + n;
            for (Item item : items(sample, caption)) {
                int[] question = after(item.text());
                List<Integer> nouns = item.question() == null ? List.of() : nouns(question);
                segments.add(new SequencePacker.Segment(
                        question, answer(item.answer()), item.type(), item.scored(), item.question(), nouns));
                l += segments.get(segments.size() - 1).length();
            }
            perImage.add(segments);
            len = Math.max(len, l);
        }
        SequencePacker packer = new SequencePacker(config, phase, prefix, pad, samples.size(), len, n);
        for (int i = 0; i < perImage.size(); i++) {
            packer.image(i, perImage.get(i));
        }
        return packer.build(images);
    }

    /** The images' pixels and the tower heads' targets (patch labels with a weight, count anchors). */
    private PackedBatch.Images images(List<Sample> samples, float patchWeight, boolean anchors) {
        int b = samples.size();
        int s = config.vision().imageSize();
        int n = config.imageTokens();
        int grid = config.vision().gridSize();
        float[] pixels;
        int views = 1;
        long[] arrangement = null;
        if (config.isAnyRes()) {
            // One plan per batch: every image of the batch has the same frame, so the same N.
            AnyResPlan plan = plan(samples.get(0).scene());
            views = plan.views();
            pixels = new float[b * views * 3 * s * s];
            arrangement = new long[b * plan.imageTokens()];
            for (int i = 0; i < b; i++) {
                Scene scene = samples.get(i).scene();
                if (!plan(scene).equals(plan)) {
                    throw new IllegalArgumentException("a batch mixes image frames: " + scene.width() + "x"
                            + scene.height() + " and " + plan.imageWidth() + "x" + plan.imageHeight());
                }
                List<float[]> v = viewPixels(scene);
                for (int k = 0; k < views; k++) {
                    System.arraycopy(v.get(k), 0, pixels, (i * views + k) * 3 * s * s, 3 * s * s);
                }
                System.arraycopy(arrangement(plan, i), 0, arrangement, i * plan.imageTokens(), plan.imageTokens());
            }
        } else {
            pixels = new float[b * 3 * s * s];
            for (int i = 0; i < b; i++) {
                System.arraycopy(pixels(samples.get(i).scene()), 0, pixels, i * 3 * s * s, 3 * s * s);
            }
        }
        float[] patchTargets = null;
        if (patchWeight > 0) {
            int classes = TrainingHeads.patchClasses(config);
            patchTargets = new float[b * n * classes];
            // Each of the four softmaxes contributes its mean over B * n patches, times the weight.
            float w = patchWeight / (b * n);
            for (int i = 0; i < b; i++) {
                PatchLabels labels = samples.get(i).patchLabels(grid);
                for (int p = 0; p < n; p++) {
                    int o = (i * n + p) * classes;
                    patchTargets[o + labels.kind()[p]] = w;
                    patchTargets[o + PatchLabels.KIND_CLASSES + labels.color()[p]] = w;
                    patchTargets[o + PatchLabels.KIND_CLASSES + PatchLabels.COLOR_CLASSES + p / grid] = w;
                    patchTargets[o + PatchLabels.KIND_CLASSES + PatchLabels.COLOR_CLASSES + grid + p % grid] = w;
                }
            }
        }
        float[] anchorTargets = null;
        if (patchWeight > 0 && anchors) {
            anchorTargets = new float[b * n * 2];
            float w = patchWeight / (b * n);
            for (int i = 0; i < b; i++) {
                boolean[] anchor = new boolean[n];
                Scene scene = samples.get(i).scene();
                for (SceneObject o : scene.objects()) {
                    anchor[NounProbe.centreCell(o, grid, scene.width(), scene.height())] = true;
                }
                for (int p = 0; p < n; p++) {
                    anchorTargets[(i * n + p) * 2 + (anchor[p] ? 1 : 0)] = w;
                }
            }
        }
        return new PackedBatch.Images(b, pixels, patchTargets, anchorTargets, views, arrangement);
    }
}
