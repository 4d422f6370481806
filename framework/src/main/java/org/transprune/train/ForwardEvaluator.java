package org.transprune.train;

import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.transprune.synth.Frame;
import org.transprune.synth.QuestionType;
import org.transprune.synth.Sample;
import org.transprune.synth.Split;
import org.transprune.synth.SynthSampler;

/**
 * Held-out accuracy computed with the training forward itself ({@link TrainableLlava}), for models the
 * inference pipeline cannot answer with yet (the micro LLaVA-NeXT before the pipeline reads AnyRes
 * checkpoints). A question counts as right when the greedy prediction at every answer position, given
 * the answer's earlier tokens, is the answer's token, EOS last: exactly when greedy decoding would
 * produce the answer and stop. Questions are packed per image as in training, which computes what
 * separate prompts compute ({@code TrainingForwardMatchesEngineTest}).
 */
public final class ForwardEvaluator {
    /** Images per forward batch. */
    private static final int BATCH = 8;

    private final List<Sample> samples;

    public ForwardEvaluator(List<Sample> samples) {
        this.samples = List.copyOf(samples);
    }

    /**
     * The held-out samples of a training run: the first {@code images} samples of the validation
     * stream of {@code seed} in {@code frames}, {@code questionsPerImage} questions each; the same
     * samples {@link EngineEvaluator#heldOut} writes to disk for the same arguments.
     */
    public static ForwardEvaluator heldOut(long seed, int images, int questionsPerImage, List<Frame> frames) {
        SynthSampler sampler = new SynthSampler(seed, Split.VAL, questionsPerImage, frames);
        List<Sample> out = new ArrayList<>();
        for (int i = 0; i < images; i++) {
            out.add(sampler.next());
        }
        return new ForwardEvaluator(out);
    }

    /** Scores {@code model} on the samples, batching images of one frame together. */
    public EngineEvaluator.Result evaluate(TrainableLlava model, BatchBuilder builder) {
        Map<String, List<Sample>> byFrame = new LinkedHashMap<>();
        for (Sample s : samples) {
            byFrame.computeIfAbsent(s.scene().width() + "x" + s.scene().height(), k -> new ArrayList<>())
                    .add(s);
        }
        Map<QuestionType, int[]> counts = new EnumMap<>(QuestionType.class); // {correct, total}
        int vocab = model.config().text().vocabSize();
        for (List<Sample> group : byFrame.values()) {
            for (int from = 0; from < group.size(); from += BATCH) {
                PackedBatch batch = builder.build(group.subList(from, Math.min(group.size(), from + BATCH)), true, 0f);
                float[] logits;
                try (NDManager step = model.manager().newSubManager()) {
                    logits = model.forward(batch, step).targetLogits().toFloatArray();
                }
                score(batch.text().targets(), logits, vocab, counts);
            }
        }
        int correct = 0;
        int total = 0;
        Map<QuestionType, Double> perType = new EnumMap<>(QuestionType.class);
        for (Map.Entry<QuestionType, int[]> e : counts.entrySet()) {
            correct += e.getValue()[0];
            total += e.getValue()[1];
            perType.put(e.getKey(), (double) e.getValue()[0] / e.getValue()[1]);
        }
        return new EngineEvaluator.Result(total == 0 ? Double.NaN : (double) correct / total, perType, total, correct);
    }

    /** Adds each question of a batch (its consecutive targets, the first flagged) to {@code counts}. */
    static void score(PackedBatch.Targets targets, float[] logits, int vocab, Map<QuestionType, int[]> counts) {
        int t = targets.ids().length;
        int k = 0;
        while (k < t) {
            int type = targets.type()[k];
            boolean ok = true;
            int end = k;
            do {
                ok &= argmax(logits, end, vocab) == targets.ids()[end];
                end++;
            } while (end < t && !targets.answer()[end]);
            if (type < QuestionType.values().length) {
                int[] c = counts.computeIfAbsent(QuestionType.values()[type], q -> new int[2]);
                c[0] += ok ? 1 : 0;
                c[1]++;
            }
            k = end;
        }
    }

    private static int argmax(float[] logits, int row, int vocab) {
        int best = 0;
        for (int v = 1; v < vocab; v++) {
            if (logits[row * vocab + v] > logits[row * vocab + best]) {
                best = v;
            }
        }
        return best;
    }
}
