package org.transprune.synth;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * An endless, seeded stream of samples for training and for writing datasets: each call to
 * {@link #next()} draws a scene and {@code questionsPerImage} distinct questions about it.
 *
 * <p>Balance: question types rotate over the stream (image i, slot j gets type
 * {@code (i + j) mod 5}), so types are equally frequent. The first question of
 * an image takes the type's answer produced least so far and the scene is planned so that answer
 * occurs. Among the questions with a wanted answer, and for later questions among all the
 * scene allows, the sampler takes a (template, answer) pair it has produced least so far (see
 * {@link Question#template()}), so answers are balanced within each wording too: "how many shapes"
 * is not mostly 5 while "how many circles" is mostly 0. When a scene allows no question of a slot's
 * type, the next type that has one is used instead (rare: e.g. no unique kind for a colour question).
 *
 * <p>Each sample depends on the seed, the split, {@code questionsPerImage} and its position in the
 * stream (through the balance counts), so a resumed training run calls {@link #skip(long)}.
 * Not thread-safe; use one sampler per thread, with different seeds.
 */
public final class SynthSampler {
    /** Generator version, recorded in summaries; bump when the same seed would give other data. */
    public static final String VERSION = "synth-1";

    private static final QuestionType[] TYPES = QuestionType.values();
    private static final int SCENE_ATTEMPTS = 400;

    private final SplittableRandom stream;
    private final int questionsPerImage;
    /** Image i is drawn in frames[i mod frames.size()]. */
    private final List<Frame> frames;
    /**
     * Questions produced so far per "template|answer" and per "category|answer" (templates contain
     * spaces, categories do not, so the keys never collide); looked up only, never iterated.
     */
    private final Map<String, Integer> produced = new HashMap<>();

    private long nextIndex;

    /** A training stream with two questions per image. */
    public SynthSampler(long seed) {
        this(seed, Split.TRAIN, 2);
    }

    public SynthSampler(long seed, Split split, int questionsPerImage) {
        this(seed, split, questionsPerImage, List.of(Frame.DEFAULT));
    }

    /**
     * A stream whose images cycle through {@code frames}: image i is drawn in frame
     * {@code i mod frames.size()}. The default single square frame gives exactly the samples of
     * {@link #SynthSampler(long, Split, int)}; positions (left/right, top/bottom) are relative to each
     * image's own frame.
     */
    public SynthSampler(long seed, Split split, int questionsPerImage, List<Frame> frames) {
        if (frames.isEmpty()) {
            throw new IllegalArgumentException("need at least one frame");
        }
        this.frames = List.copyOf(frames);
        if (questionsPerImage < 1) {
            throw new IllegalArgumentException("questionsPerImage must be at least 1, got " + questionsPerImage);
        }
        this.stream = new SplittableRandom(split.streamSeed(seed));
        this.questionsPerImage = questionsPerImage;
    }

    /** Number of samples produced so far. */
    public long produced() {
        return nextIndex;
    }

    /**
     * Advances past {@code n} samples, to resume a stream: a sampler that skipped n samples then
     * continues exactly as one that produced them. Cheap, since samples render only on demand
     * (roughly 10,000 per second).
     */
    public void skip(long n) {
        for (long i = 0; i < n; i++) {
            next();
        }
    }

    /**
     * The next sample of the stream: a scene and up to {@code questionsPerImage} distinct questions
     * (fewer only if the scene allows fewer distinct questions, which needs more than 18 per image).
     */
    public Sample next() {
        long index = nextIndex++;
        // One child stream per sample, so a change in how much randomness a sample draws does not
        // shift the draws of later samples (their answer targets still follow the balance counts).
        SplittableRandom rng = stream.split();
        QuestionType[] slots = new QuestionType[questionsPerImage];
        for (int j = 0; j < questionsPerImage; j++) {
            // Rotating by image (not by question number) lets every type lead an image, whatever
            // questionsPerImage is; over five consecutive images each type fills questionsPerImage slots.
            slots[j] = TYPES[(int) ((index + j) % TYPES.length)];
        }
        QuestionType driver = slots[0];
        Target target = driverTarget(rng, driver);

        Scene scene = null;
        Scene fallback = null;
        for (int attempt = 0; attempt < SCENE_ATTEMPTS && scene == null; attempt++) {
            Scene s = SceneGenerator.planned(
                    rng,
                    driver,
                    target.answer(),
                    SceneQuestions.COUNT_SHAPES_TEMPLATE.equals(target.template()),
                    frames.get((int) (index % frames.size())));
            if (s == null || SceneQuestions.of(s, driver).stream().noneMatch(target::matches)) {
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
            throw new IllegalStateException("no scene with " + driver.category() + " answer " + target.answer() + " in "
                    + SCENE_ATTEMPTS + " attempts");
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
                if (j == 0) {
                    cands.removeIf(c -> !target.matches(c));
                }
                if (!cands.isEmpty()) {
                    q = choose(rng, scene, cands);
                }
            }
            if (q == null) {
                break; // every question about this scene is already asked
            }
            asked.add(q.text());
            produced.merge(balanceKey(q), 1, Integer::sum);
            produced.merge(q.type().category() + "|" + q.answer(), 1, Integer::sum);
            questions.add(q);
        }
        return new Sample(index, scene, questions);
    }

    /** The answer (and, when not null, the template) the first question of an image must have. */
    private record Target(String answer, String template) {
        boolean matches(Question q) {
            return q.answer().equals(answer) && (template == null || template.equals(q.template()));
        }
    }

    /**
     * The answer of the type produced least so far (ties drawn uniformly); for counts, the least
     * produced of the (template, answer) pairs, because the two count wordings have different
     * answer sets (no scene is empty, so "how many shapes" is never 0) and rare pairs such as five
     * circles need planned scenes.
     */
    private Target driverTarget(SplittableRandom rng, QuestionType type) {
        List<Target> least = new ArrayList<>();
        int min = Integer.MAX_VALUE;
        if (type != QuestionType.COUNT) {
            for (String answer : type.answers()) {
                int n = produced.getOrDefault(type.category() + "|" + answer, 0);
                if (n < min) {
                    min = n;
                    least.clear();
                }
                if (n == min) {
                    least.add(new Target(answer, null));
                }
            }
            return least.get(rng.nextInt(least.size()));
        }
        for (String template : List.of(SceneQuestions.COUNT_SHAPES_TEMPLATE, SceneQuestions.COUNT_KIND_TEMPLATE)) {
            for (String answer : type.answers()) {
                if (answer.equals("0") && template.equals(SceneQuestions.COUNT_SHAPES_TEMPLATE)) {
                    continue;
                }
                int n = produced.getOrDefault(template + "|" + answer, 0);
                if (n < min) {
                    min = n;
                    least.clear();
                }
                if (n == min) {
                    least.add(new Target(answer, template));
                }
            }
        }
        return least.get(rng.nextInt(least.size()));
    }

    private static boolean allAskable(Scene s, QuestionType[] slots) {
        for (QuestionType t : slots) {
            if (SceneQuestions.of(s, t).isEmpty()) {
                return false;
            }
        }
        return true;
    }

    private static String balanceKey(Question q) {
        return q.template() + "|" + q.answer();
    }

    /**
     * A candidate whose (template, answer) pair has been produced least so far, the pair drawn
     * uniformly among the least produced, then the question uniformly within the pair. For "no"
     * existence questions, half the time a hard negative is preferred (the asked kind and the asked
     * colour both occur, on different objects), so the answer needs binding colour to shape rather
     * than spotting either alone.
     */
    private Question choose(SplittableRandom rng, Scene scene, List<Question> cands) {
        List<String> keys = new ArrayList<>(); // distinct, in candidate order
        int min = Integer.MAX_VALUE;
        for (Question c : cands) {
            String key = balanceKey(c);
            int n = produced.getOrDefault(key, 0);
            if (n < min) {
                min = n;
                keys.clear();
            }
            if (n == min && !keys.contains(key)) {
                keys.add(key);
            }
        }
        String key = keys.get(rng.nextInt(keys.size()));
        List<Question> withKey =
                cands.stream().filter(c -> balanceKey(c).equals(key)).toList();
        Question first = withKey.get(0);
        if (first.type() == QuestionType.EXIST && first.answer().equals("no") && rng.nextBoolean()) {
            List<Question> hard =
                    withKey.stream().filter(c -> isHardNegative(scene, c)).toList();
            if (!hard.isEmpty()) {
                withKey = hard;
            }
        }
        return withKey.get(rng.nextInt(withKey.size()));
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
