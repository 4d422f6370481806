package org.transprune.synth;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Draws random scenes, optionally planned so that a question of a given type with a given answer
 * exists (e.g. exactly one square, and it is purple). Whether it does is checked by
 * {@link SceneQuestions}, never assumed.
 */
final class SceneGenerator {
    static final int MIN_OBJECTS = 1;
    static final int MAX_OBJECTS = 5;
    static final int MIN_SIZE = 36;
    static final int MAX_SIZE = 84;
    /** Minimum empty space between any two boxes, so shapes never touch. */
    static final int MIN_GAP = 6;

    private static final int PLACEMENT_TRIES = 200;

    private SceneGenerator() {}

    /** A uniformly random scene with 1-5 objects of random kind and colour in the default frame. */
    static Scene random(SplittableRandom rng) {
        return random(rng, Frame.DEFAULT);
    }

    /** A uniformly random scene with 1-5 objects of random kind and colour in {@code frame}. */
    static Scene random(SplittableRandom rng, Frame frame) {
        while (true) {
            Scene s = place(rng, randomAttributes(rng, rng.nextInt(MIN_OBJECTS, MAX_OBJECTS + 1), null), frame);
            if (s != null) {
                return s;
            }
        }
    }

    /**
     * A random scene whose attributes are planned to make answer {@code target} to a question of
     * {@code type} likely; null when the placement failed (the caller draws again). For counts,
     * {@code countShapes} chooses between "how many shapes" (n objects) and "how many circles"
     * (n objects of one kind among others).
     */
    static Scene planned(SplittableRandom rng, QuestionType type, String target, boolean countShapes, Frame frame) {
        List<Attr> attrs;
        switch (type) {
            case COLOR: {
                // Exactly one object of the asked kind, with the target colour; the others differ in kind.
                ShapeKind kind = pick(rng, ShapeKind.values());
                attrs = randomAttributes(rng, rng.nextInt(MIN_OBJECTS, MAX_OBJECTS + 1) - 1, kind);
                attrs.add(new Attr(kind, ShapeColor.ofWord(target)));
                break;
            }
            case COUNT: {
                int n = Integer.parseInt(target);
                if (countShapes) {
                    attrs = randomAttributes(rng, n, null); // answered by "how many shapes"
                } else {
                    ShapeKind kind = pick(rng, ShapeKind.values());
                    int others =
                            n == 0 ? rng.nextInt(MIN_OBJECTS, MAX_OBJECTS + 1) : rng.nextInt(0, MAX_OBJECTS - n + 1);
                    attrs = randomAttributes(rng, others, kind);
                    for (int i = 0; i < n; i++) {
                        attrs.add(new Attr(kind, pick(rng, ShapeColor.values())));
                    }
                }
                break;
            }
            case RELATION:
                attrs = randomAttributes(rng, rng.nextInt(2, MAX_OBJECTS + 1), null);
                break;
            default: // EXIST and POSITION: every scene has yes and no; position depends on placement
                attrs = randomAttributes(rng, rng.nextInt(MIN_OBJECTS, MAX_OBJECTS + 1), null);
        }
        shuffle(rng, attrs); // placement order shapes the layout; keep it independent of the plan
        return place(rng, attrs, frame);
    }

    private record Attr(ShapeKind kind, ShapeColor color) {}

    /** {@code n} random attributes, avoiding {@code excludedKind} when it is non-null. */
    private static List<Attr> randomAttributes(SplittableRandom rng, int n, ShapeKind excludedKind) {
        List<ShapeKind> kinds = new ArrayList<>();
        for (ShapeKind k : ShapeKind.values()) {
            if (k != excludedKind) {
                kinds.add(k);
            }
        }
        List<Attr> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new Attr(kinds.get(rng.nextInt(kinds.size())), pick(rng, ShapeColor.values())));
        }
        return out;
    }

    /**
     * Places objects one by one at uniform sizes and positions anywhere in the frame, keeping
     * {@link #MIN_GAP} between boxes; null if some object found no free spot.
     */
    private static Scene place(SplittableRandom rng, List<Attr> attrs, Frame frame) {
        List<SceneObject> placed = new ArrayList<>();
        for (Attr a : attrs) {
            SceneObject fit = null;
            for (int t = 0; t < PLACEMENT_TRIES && fit == null; t++) {
                int size = rng.nextInt(MIN_SIZE, MAX_SIZE + 1);
                SceneObject cand = new SceneObject(
                        a.kind(),
                        a.color(),
                        rng.nextInt(frame.width() - size + 1),
                        rng.nextInt(frame.height() - size + 1),
                        size);
                boolean free = true;
                for (SceneObject p : placed) {
                    if (Scene.boxGap(cand, p) < MIN_GAP) {
                        free = false;
                        break;
                    }
                }
                if (free) {
                    fit = cand;
                }
            }
            if (fit == null) {
                return null;
            }
            placed.add(fit);
        }
        return new Scene(rng.nextLong(), placed, frame.width(), frame.height());
    }

    static <T> T pick(SplittableRandom rng, T[] values) {
        return values[rng.nextInt(values.length)];
    }

    static <T> void shuffle(SplittableRandom rng, List<T> list) {
        for (int i = list.size() - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            T t = list.get(i);
            list.set(i, list.get(j));
            list.set(j, t);
        }
    }
}
