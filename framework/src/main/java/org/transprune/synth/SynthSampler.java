package org.transprune.synth;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * An endless, seeded stream of samples for training and for writing datasets: each call to
 * {@link #next()} draws a scene and {@code questionsPerImage} distinct questions about it.
 *
 * <p>Balance: question types rotate over the stream (image i, slot j gets type
 * {@code (i * questionsPerImage + j) mod 5}), so types are equally frequent. The first question of
 * an image draws its answer uniformly from the type's answer set and the scene is planned so that
 * answer occurs; later questions take, among the answers the scene allows, the one this sampler has
 * produced least so far. When a scene allows no question of a slot's type, the next type that has
 * one is used instead (rare: e.g. no unique kind for a colour question).
 *
 * <p>Not thread-safe; use one sampler per thread, with different seeds.
 */
public final class SynthSampler {
    /** Generator version, recorded in summaries; bump when the same seed would give other data. */
    public static final String VERSION = "synth-1";

    private static final QuestionType[] TYPES = QuestionType.values();
    private static final int SCENE_ATTEMPTS = 400;

    private final SplittableRandom stream;
    private final int questionsPerImage;
    private final int[][] answerCounts = new int[TYPES.length][];
    private long nextIndex;

    /** A training stream with two questions per image. */
    public SynthSampler(long seed) {
        this(seed, Split.TRAIN, 2);
    }

    public SynthSampler(long seed, Split split, int questionsPerImage) {
        if (questionsPerImage < 1) {
            throw new IllegalArgumentException("questionsPerImage must be at least 1, got " + questionsPerImage);
        }
        this.stream = new SplittableRandom(split.streamSeed(seed));
        this.questionsPerImage = questionsPerImage;
        for (QuestionType t : TYPES) {
            answerCounts[t.ordinal()] = new int[t.answers().size()];
        }
    }

    /** Number of samples produced so far. */
    public long produced() {
        return nextIndex;
    }

    /** The next sample of the stream. */
    public Sample next() {
        long index = nextIndex++;
        // One child stream per sample: what a sample consumes never shifts the samples after it.
        SplittableRandom rng = stream.split();
        QuestionType[] slots = new QuestionType[questionsPerImage];
        for (int j = 0; j < questionsPerImage; j++) {
            slots[j] = TYPES[(int) ((index * questionsPerImage + j) % TYPES.length)];
        }
        QuestionType driver = slots[0];
        String target = driver.answers().get(rng.nextInt(driver.answers().size()));

        Scene scene = null;
        Scene fallback = null;
        for (int attempt = 0; attempt < SCENE_ATTEMPTS && scene == null; attempt++) {
            Scene s = SceneGenerator.planned(rng, driver, target);
            if (s == null || SceneQuestions.of(s, driver).stream().noneMatch(q -> q.answer().equals(target))) {
                continue;
            }
            if (fallback == null) {
                fallback = s;
            }
            if (allAskable(s, slots)) {
                scene = s;
            }
        }
        if (scene == null) {
            scene = fallback;
        }
        if (scene == null) {
            throw new IllegalStateException("no scene with " + driver.category() + " answer " + target
                    + " in " + SCENE_ATTEMPTS + " attempts");
        }

        List<Question> questions = new ArrayList<>();
        Set<String> asked = new HashSet<>();
        for (int j = 0; j < questionsPerImage; j++) {
            Question q = null;
            for (int shift = 0; shift < TYPES.length && q == null; shift++) {
                QuestionType type = TYPES[(slots[j].ordinal() + shift) % TYPES.length];
                List<Question> cands = new ArrayList<>();
                for (Question c : SceneQuestions.of(scene, type)) {
                    if (!asked.contains(c.text())) {
                        cands.add(c);
                    }
                }
                if (!cands.isEmpty()) {
                    String answer = j == 0 ? target : leastProduced(rng, type, cands);
                    q = choose(rng, scene, cands, answer);
                }
            }
            if (q == null) {
                break; // every question about this scene is already asked
            }
            asked.add(q.text());
            answerCounts[q.type().ordinal()][q.type().answerIndex(q.answer())]++;
            questions.add(q);
        }
        return new Sample(index, scene, questions);
    }

    private static boolean allAskable(Scene s, QuestionType[] slots) {
        for (QuestionType t : slots) {
            if (SceneQuestions.of(s, t).isEmpty()) {
                return false;
            }
        }
        return true;
    }

    /** Among the answers the candidates offer, one this sampler has produced least often (ties random). */
    private String leastProduced(SplittableRandom rng, QuestionType type, List<Question> cands) {
        int[] counts = answerCounts[type.ordinal()];
        boolean[] offered = new boolean[counts.length];
        for (Question c : cands) {
            offered[type.answerIndex(c.answer())] = true;
        }
        int min = Integer.MAX_VALUE;
        List<Integer> best = new ArrayList<>();
        for (int a = 0; a < counts.length; a++) {
            if (!offered[a]) {
                continue;
            }
            if (counts[a] < min) {
                min = counts[a];
                best.clear();
            }
            if (counts[a] == min) {
                best.add(a);
            }
        }
        return type.answers().get(best.get(rng.nextInt(best.size())));
    }

    /**
     * A random candidate with the given answer. For "no" existence questions, half the time a hard
     * negative is preferred (the asked kind and the asked colour both occur, on different objects),
     * so that the answer needs binding colour to shape rather than spotting either alone.
     */
    private static Question choose(SplittableRandom rng, Scene scene, List<Question> cands, String answer) {
        List<Question> withAnswer = cands.stream().filter(c -> c.answer().equals(answer)).toList();
        if (withAnswer.isEmpty()) {
            throw new IllegalStateException("no candidate with answer " + answer);
        }
        if (withAnswer.get(0).type() == QuestionType.EXIST && answer.equals("no") && rng.nextBoolean()) {
            List<Question> hard = withAnswer.stream().filter(c -> isHardNegative(scene, c)).toList();
            if (!hard.isEmpty()) {
                withAnswer = hard;
            }
        }
        return withAnswer.get(rng.nextInt(withAnswer.size()));
    }

    private static boolean isHardNegative(Scene scene, Question q) {
        // "is there a(n) <colour> <kind> ?": the two words before the question mark.
        List<String> words = Vocabulary.tokens(q.text());
        ShapeColor color = ShapeColor.ofWord(words.get(words.size() - 3));
        ShapeKind kind = ShapeKind.ofWord(words.get(words.size() - 2));
        boolean kindSeen = scene.objects().stream().anyMatch(o -> o.kind() == kind);
        boolean colorSeen = scene.objects().stream().anyMatch(o -> o.color() == color);
        return kindSeen && colorSeen;
    }
}
