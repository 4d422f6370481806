package org.transprune.train;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.transprune.config.LlavaConfig;
import org.transprune.image.ImagePreprocessor;
import org.transprune.synth.PatchLabels;
import org.transprune.synth.Question;
import org.transprune.synth.Sample;
import org.transprune.synth.Scene;
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
    /** Additive mask value of a blocked key; exp underflows to exactly 0 as with -inf. */
    private static final float BLOCKED = -1e9f;

    private final LlavaConfig config;
    private final Tokenizer tokenizer;
    private final ImagePreprocessor preprocessor;
    private final int eos;
    private final int pad;
    private final int[] prefix;
    private final Map<String, int[]> afterImage = new HashMap<>();
    private final Map<String, int[]> answers = new HashMap<>();
    /** Token ids of the object nouns: every kind, its plural, and "shapes". */
    private final java.util.Set<Integer> nounIds = new java.util.HashSet<>();
    /** {@link PackedBatch#targetType()} of caption targets: after every question type's ordinal. */
    public static final int CAPTION_TYPE = org.transprune.synth.QuestionType.values().length;

    public BatchBuilder(LlavaConfig config, Tokenizer tokenizer, ImagePreprocessor preprocessor) {
        this.config = config;
        this.tokenizer = tokenizer;
        this.preprocessor = preprocessor;
        this.eos = tokenizer.eosId().orElseThrow(() -> new IllegalArgumentException("tokenizer has no EOS"));
        this.pad = tokenizer.tokenId("<pad>").orElse(eos);
        this.prefix = encode("is there a red circle ?").before;
        for (org.transprune.synth.ShapeKind k : org.transprune.synth.ShapeKind.values()) {
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
        return preprocessor.preprocess(EngineEvaluator.rgb(scene)).data();
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

    /** Supervised attention rows in {@link PackedBatch} form: flat row indices and {@code [rows, L]} targets. */
    private record Supervised(long[] rows, float[] weights) {
        /**
         * @param rows {image, head, row} of each supervised row
         * @param columns the key columns each row should attend to, uniformly, offset by {@code offset}
         * @return null when there is no row
         */
        static Supervised of(List<long[]> rows, List<int[]> columns, int offset, float weight, int heads, int len) {
            if (rows.isEmpty()) {
                return null;
            }
            int a = rows.size();
            long[] flat = new long[a];
            float[] weights = new float[a * len];
            for (int k = 0; k < a; k++) {
                long[] e = rows.get(k);
                flat[k] = (e[0] * heads + e[1]) * len + e[2];
                int[] cols = columns.get(k);
                for (int c : cols) {
                    weights[k * len + offset + c] = weight / (a * (float) cols.length);
                }
            }
            return new Supervised(flat, weights);
        }
    }

    /** Rows read by a probe head, each with the right class of each softmax group, collected per question. */
    private static final class OneHotRows {
        private final List<Long> rows = new ArrayList<>();
        private final List<int[]> hot = new ArrayList<>();

        void add(long flatRow, int[] classes) {
            rows.add(flatRow);
            hot.add(classes);
        }

        /** Flat row indices {@code b * L + r}, or null without rows. */
        long[] rows() {
            return rows.isEmpty()
                    ? null
                    : rows.stream().mapToLong(Long::longValue).toArray();
        }

        /** {@code [rows, classes]}: one-hot per listed class x weight / rows, or null without rows. */
        float[] weights(int classes, float weight) {
            if (rows.isEmpty()) {
                return null;
            }
            int r = rows.size();
            float[] out = new float[r * classes];
            for (int k = 0; k < r; k++) {
                for (int c : hot.get(k)) {
                    out[k * classes + c] = weight / r;
                }
            }
            return out;
        }
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
     * The attention targets of a question: for each object noun of its text ({@code nouns}: indices among
     * its tokens, in order), the index of that token and the patches it should
     * attend to: a relation's first noun its subject's patches, its second noun the reference's;
     * every other question's noun all of the question's relevant patches. Nouns without relevant
     * patches (an absent object) are left out. With {@code countAnchors}, a count question's nouns
     * attend to the first token and each counted object's anchor patch instead (see
     * {@link TrainingRecipe.Phase#countAnchors()}); patch indices are relative to the image start.
     */
    private List<int[][]> attentionTargets(Question q, List<Integer> nouns, int grid, boolean countAnchors) {
        List<int[][]> out = new ArrayList<>();
        if (countAnchors && q.type() == org.transprune.synth.QuestionType.COUNT) {
            // One anchor per counted object plus the sequence's first token (offset back by the image start).
            int[] columns = new int[q.objects().size() + 1];
            columns[0] = -prefix.length;
            for (int j = 0; j < q.objects().size(); j++) {
                columns[j + 1] = NounProbe.centreCell(q.objects().get(j), grid);
            }
            for (int n : nouns) {
                out.add(new int[][] {{n}, columns});
            }
            return out;
        }
        if (q.type() == org.transprune.synth.QuestionType.RELATION
                && nouns.size() == 2
                && q.objects().size() == 2) {
            for (int j = 0; j < 2; j++) {
                int[] patches = new Question(
                                q.type(),
                                q.text(),
                                q.answer(),
                                List.of(q.objects().get(j)))
                        .relevantPatches(grid);
                if (patches.length > 0) {
                    out.add(new int[][] {{nouns.get(j)}, patches});
                }
            }
            return out;
        }
        int[] all = q.relevantPatches(grid);
        if (all.length > 0) {
            for (int n : nouns) {
                out.add(new int[][] {{n}, all});
            }
        }
        return out;
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
        boolean caption = phase != null && phase.captions();
        float attentionWeight = phase == null ? 0f : (float) phase.attention();
        int attentionLayer = phase == null ? -1 : phase.attentionLayer();
        float probeWeight = phase == null ? 0f : (float) phase.probe();
        float routeWeight = phase == null ? 0f : (float) phase.route();
        int b = samples.size();
        int s = config.vision().imageSize();
        int n = config.imageTokens();
        int grid = config.vision().gridSize();
        float[] pixels = new float[b * 3 * s * s];
        for (int i = 0; i < b; i++) {
            System.arraycopy(pixels(samples.get(i).scene()), 0, pixels, i * 3 * s * s, 3 * s * s);
        }
        float[] patchTargets = null;
        if (patchWeight > 0) {
            int classes = TrainableLlava.auxClasses(config);
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
        if (patchWeight > 0 && phase != null && phase.countAnchors()) {
            anchorTargets = new float[b * n * 2];
            float w = patchWeight / (b * n);
            for (int i = 0; i < b; i++) {
                boolean[] anchor = new boolean[n];
                for (org.transprune.synth.SceneObject o : samples.get(i).scene().objects()) {
                    anchor[NounProbe.centreCell(o, grid)] = true;
                }
                for (int p = 0; p < n; p++) {
                    anchorTargets[(i * n + p) * 2 + (anchor[p] ? 1 : 0)] = w;
                }
            }
        }
        if (!withText) {
            return new PackedBatch(
                    b,
                    pixels,
                    patchTargets,
                    0,
                    prefix.length,
                    n,
                    null,
                    null,
                    null,
                    null,
                    null,
                    null,
                    null,
                    null,
                    -1,
                    null,
                    null,
                    null,
                    null,
                    -1,
                    null,
                    null,
                    null,
                    null,
                    null);
        }
        int start = prefix.length;
        int base = start + n;
        // Segment lengths decide L.
        int len = 0;
        for (Sample sample : samples) {
            int l = base;
            for (Item q : items(sample, caption)) {
                l += after(q.text()).length + answer(q.answer()).length - 1;
            }
            len = Math.max(len, l);
        }
        long[] ids = new long[b * len];
        int[] positions = new int[b * len];
        float[] mask = new float[b * len * len];
        Arrays.fill(mask, BLOCKED);
        List<long[]> targets = new ArrayList<>(); // {row, id, answerFlag, type}
        List<long[]> attentionRows = new ArrayList<>(); // {image, head, row}
        List<int[]> attentionPatches = new ArrayList<>();
        OneHotRows probe = new OneHotRows();
        OneHotRows answerProbe = new OneHotRows();
        float answerProbeWeight = phase == null ? 0f : (float) phase.answerProbe();
        List<long[]> routeRowList = new ArrayList<>(); // {image, head, row}
        List<int[]> routeColumns = new ArrayList<>();
        int heads = config.text().numHeads();
        int placeholder = config.imageTokenId() >= 0 ? config.imageTokenId() : 0;
        for (int i = 0; i < b; i++) {
            int o = i * len;
            int[] segmentOf = new int[len];
            Arrays.fill(segmentOf, -2); // padding
            for (int r = 0; r < start; r++) {
                ids[o + r] = prefix[r];
                segmentOf[r] = -1;
            }
            for (int r = start; r < base; r++) {
                ids[o + r] = placeholder;
                segmentOf[r] = -1;
            }
            for (int r = 0; r < base; r++) {
                positions[o + r] = r;
            }
            int r = base;
            int segment = 0;
            for (Item q : items(samples.get(i), caption)) {
                int[] question = after(q.text());
                int[] ans = answer(q.answer());
                int segStart = r;
                for (int k = 0; k < question.length + ans.length - 1; k++) {
                    ids[o + r] = k < question.length ? question[k] : ans[k - question.length];
                    positions[o + r] = base + k;
                    segmentOf[r] = segment;
                    r++;
                }
                // The last question token predicts the answer; each answer token predicts the next, EOS last.
                int answerRow = segStart + question.length - 1;
                for (int t = 0; t < ans.length; t++) {
                    targets.add(new long[] {o + answerRow + t, ans[t], t == 0 && q.scored() ? 1 : 0, q.type()});
                }
                Question asked = q.question();
                List<Integer> nouns = asked == null ? List.of() : nouns(question);
                if (attentionWeight > 0 && asked != null) {
                    for (int[][] target : attentionTargets(asked, nouns, grid, phase.countAnchors())) {
                        for (int head = 0; head < Math.min(2, heads); head++) {
                            attentionRows.add(new long[] {i, head, segStart + target[0][0]});
                            attentionPatches.add(target[1]);
                        }
                    }
                }
                if (routeWeight > 0 && !nouns.isEmpty()) {
                    boolean relation = asked.type() == org.transprune.synth.QuestionType.RELATION && nouns.size() == 2;
                    for (int head = 0; head < Math.min(2, heads); head++) {
                        List<Integer> chosen = relation ? List.of(nouns.get(head)) : nouns;
                        routeRowList.add(new long[] {i, head, answerRow});
                        routeColumns.add(
                                chosen.stream().mapToInt(k -> segStart + k).toArray());
                    }
                }
                if (answerProbeWeight > 0 && asked != null) {
                    int[] classes = NounProbe.answerTargets(asked, grid);
                    if (classes != null) {
                        answerProbe.add(o + answerRow, classes);
                    }
                }
                if (probeWeight > 0 && asked != null) {
                    for (NounProbe.Target target : NounProbe.targets(asked, nouns, grid)) {
                        probe.add(o + segStart + target.token(), target.classes());
                    }
                }
                segment++;
            }
            for (int row = 0; row < len; row++) {
                int m = (o + row) * len;
                if (segmentOf[row] == -2) {
                    mask[m + row] = 0; // padding sees itself only; it is never a target nor a key of others
                    continue;
                }
                for (int col = 0; col <= row; col++) {
                    if (segmentOf[col] == -1 || segmentOf[col] == segmentOf[row]) {
                        mask[m + col] = 0;
                    }
                }
            }
            for (int row = r; row < len; row++) {
                ids[o + row] = pad;
            }
        }
        int t = targets.size();
        int vocab = config.text().vocabSize();
        long[] rows = new long[t];
        int[] targetIds = new int[t];
        float[] weights = new float[t * vocab];
        boolean[] answerFlags = new boolean[t];
        int[] types = new int[t];
        for (int k = 0; k < t; k++) {
            long[] e = targets.get(k);
            rows[k] = e[0];
            targetIds[k] = (int) e[1];
            weights[k * vocab + targetIds[k]] = 1f / t;
            answerFlags[k] = e[2] == 1;
            types[k] = (int) e[3];
        }
        Supervised attention = Supervised.of(attentionRows, attentionPatches, start, attentionWeight, heads, len);
        long[] probeRows = probe.rows();
        float[] probeWeights = probe.weights(NounProbe.classes(grid), probeWeight);
        Supervised route = Supervised.of(routeRowList, routeColumns, 0, routeWeight, heads, len);
        boolean layerUsed = attention != null || probeRows != null;
        return new PackedBatch(
                b,
                pixels,
                patchTargets,
                len,
                start,
                n,
                ids,
                positions,
                mask,
                rows,
                targetIds,
                weights,
                answerFlags,
                types,
                layerUsed ? attentionLayer : -1,
                attention == null ? null : attention.rows,
                attention == null ? null : attention.weights,
                probeRows,
                probeWeights,
                route == null && answerProbe.rows() == null ? -1 : phase.routeLayer(),
                route == null ? null : route.rows,
                route == null ? null : route.weights,
                anchorTargets,
                answerProbe.rows(),
                answerProbe.weights(NounProbe.answerClasses(grid), answerProbeWeight));
    }
}
