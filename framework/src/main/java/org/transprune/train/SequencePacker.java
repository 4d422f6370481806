package org.transprune.train;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.transprune.config.LlavaConfig;
import org.transprune.synth.Question;
import org.transprune.synth.QuestionType;

/**
 * Packs one batch's token sequences ({@link PackedBatch.Sequences}), image by image, and collects
 * the answer targets and the rows of the phase's training-only supervision (noun attention, noun
 * probe, answer routing, answer probe). Used once per batch by {@link BatchBuilder}.
 */
final class SequencePacker {
    /** Additive mask value of a blocked key; exp underflows to exactly 0 as with -inf. */
    private static final float BLOCKED = -1e9f;
    /** Heads whose attention is supervised (0 and 1). */
    private static final int SUPERVISED_HEADS = 2;

    /**
     * One question (or caption) segment of a sequence.
     *
     * @param question the question's token ids after the image block
     * @param answer the answer's ids followed by EOS
     * @param type the question type's ordinal, or {@link BatchBuilder#CAPTION_TYPE}
     * @param scored whether the answer's first token counts for accuracy (benchmark questions only)
     * @param asked the benchmark question, or null for a caption
     * @param nouns indices of the object nouns among {@code question} (empty for captions)
     */
    record Segment(int[] question, int[] answer, int type, boolean scored, Question asked, List<Integer> nouns) {
        /** Tokens the segment takes in the sequence (the last answer id, EOS, is only a target). */
        int length() {
            return question.length + answer.length - 1;
        }
    }

    private final TrainingRecipe.Phase phase;
    private final int[] prefix;
    private final int images;
    private final int len;
    private final int imageTokens;
    private final int heads;
    private final int grid;
    private final int vocab;
    private final int placeholder;
    private final int pad;
    private final long[] ids;
    private final int[] positions;
    private final float[] mask;
    private final List<long[]> targets = new ArrayList<>(); // {row, id, answerFlag, type}
    private final List<long[]> attentionRows = new ArrayList<>(); // {image, head, row}
    private final List<int[]> attentionPatches = new ArrayList<>();
    private final OneHotRows probe = new OneHotRows();
    private final OneHotRows answerProbe = new OneHotRows();
    private final List<long[]> routeRows = new ArrayList<>(); // {image, head, row}
    private final List<int[]> routeColumns = new ArrayList<>();

    /**
     * @param phase the supervision to collect, or null for none
     * @param prefix the prompt's tokens before the image block
     * @param images B
     * @param len L, tokens per sequence
     * @param imageTokens N, image tokens per sequence (the batch's AnyRes plan's for LLaVA-NeXT)
     */
    SequencePacker(
            LlavaConfig config,
            TrainingRecipe.Phase phase,
            int[] prefix,
            int pad,
            int images,
            int len,
            int imageTokens) {
        this.phase = phase;
        this.prefix = prefix;
        this.images = images;
        this.len = len;
        this.imageTokens = imageTokens;
        this.heads = config.text().numHeads();
        this.grid = config.vision().gridSize();
        this.vocab = config.text().vocabSize();
        this.placeholder = config.imageTokenId() >= 0 ? config.imageTokenId() : 0;
        this.pad = pad;
        ids = new long[images * len];
        positions = new int[images * len];
        mask = new float[images * len * len];
        Arrays.fill(mask, BLOCKED);
    }

    /** Packs image {@code i}'s sequence: prefix, image block, then each segment, then padding. */
    void image(int i, List<Segment> segments) {
        int o = i * len;
        int start = prefix.length;
        int base = start + imageTokens;
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
        for (Segment s : segments) {
            int segStart = r;
            for (int k = 0; k < s.length(); k++) {
                ids[o + r] = k < s.question().length ? s.question()[k] : s.answer()[k - s.question().length];
                positions[o + r] = base + k;
                segmentOf[r] = segment;
                r++;
            }
            // The last question token predicts the answer; each answer token predicts the next, EOS last.
            int answerRow = segStart + s.question().length - 1;
            for (int t = 0; t < s.answer().length; t++) {
                targets.add(new long[] {o + answerRow + t, s.answer()[t], t == 0 && s.scored() ? 1 : 0, s.type()});
            }
            supervise(i, s, segStart, answerRow);
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

    /** Collects the phase's supervised rows of one segment of image {@code i}. */
    private void supervise(int i, Segment s, int segStart, int answerRow) {
        if (phase == null || s.asked() == null) {
            return;
        }
        Question asked = s.asked();
        List<Integer> nouns = s.nouns();
        int o = i * len;
        if ((float) phase.attention() > 0) {
            for (AttentionTargets.Target target :
                    AttentionTargets.of(asked, nouns, grid, phase.countAnchors(), prefix.length)) {
                for (int head = 0; head < Math.min(SUPERVISED_HEADS, heads); head++) {
                    attentionRows.add(new long[] {i, head, segStart + target.token()});
                    attentionPatches.add(target.columns());
                }
            }
        }
        if ((float) phase.route() > 0 && !nouns.isEmpty()) {
            boolean relation = asked.type() == QuestionType.RELATION && nouns.size() == 2;
            for (int head = 0; head < Math.min(SUPERVISED_HEADS, heads); head++) {
                List<Integer> chosen = relation ? List.of(nouns.get(head)) : nouns;
                routeRows.add(new long[] {i, head, answerRow});
                routeColumns.add(chosen.stream().mapToInt(k -> segStart + k).toArray());
            }
        }
        if ((float) phase.answerProbe() > 0) {
            int[] classes = NounProbe.answerTargets(asked, grid);
            if (classes != null) {
                answerProbe.add(o + answerRow, classes);
            }
        }
        if ((float) phase.probe() > 0) {
            for (NounProbe.Target target : NounProbe.targets(asked, nouns, grid)) {
                probe.add(o + segStart + target.token(), target.classes());
            }
        }
    }

    /** The batch: {@code images} with the packed sequences and the collected supervision. */
    PackedBatch build(PackedBatch.Images imageBatch) {
        int t = targets.size();
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
        PackedBatch.Sequences text = new PackedBatch.Sequences(
                len,
                prefix.length,
                imageTokens,
                ids,
                positions,
                mask,
                new PackedBatch.Targets(rows, targetIds, weights, answerFlags, types));
        if (phase == null) {
            return new PackedBatch(imageBatch, text, null, null, null, null);
        }
        return new PackedBatch(
                imageBatch,
                text,
                attention(phase.attentionLayer(), attentionRows, attentionPatches, prefix.length, phase.attention()),
                PackedBatch.Rows.of(phase.attentionLayer(), probe.rows(), probe.weights(NounProbe.classes(grid), (float)
                        phase.probe())),
                attention(phase.routeLayer(), routeRows, routeColumns, 0, phase.route()),
                PackedBatch.Rows.of(
                        phase.routeLayer(),
                        answerProbe.rows(),
                        answerProbe.weights(NounProbe.answerClasses(grid), (float) phase.answerProbe())));
    }

    /**
     * Supervised attention rows: flat indices {@code (b * heads + head) * L + r} and {@code [rows, L]}
     * targets, uniform over each row's key columns (offset by {@code offset}) x weight / rows; null
     * without rows.
     *
     * @param rows {image, head, row} of each supervised row
     */
    private PackedBatch.Rows attention(int layer, List<long[]> rows, List<int[]> columns, int offset, double weight) {
        if (rows.isEmpty()) {
            return null;
        }
        float w = (float) weight;
        int a = rows.size();
        long[] flat = new long[a];
        float[] weights = new float[a * len];
        for (int k = 0; k < a; k++) {
            long[] e = rows.get(k);
            flat[k] = (e[0] * heads + e[1]) * len + e[2];
            int[] cols = columns.get(k);
            for (int c : cols) {
                weights[k * len + offset + c] = w / (a * (float) cols.length);
            }
        }
        return new PackedBatch.Rows(layer, flat, weights);
    }

    /** Rows read by a probe head, each with the right class of each softmax group. */
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
}
