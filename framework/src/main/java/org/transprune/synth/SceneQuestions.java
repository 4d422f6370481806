package org.transprune.synth;

import java.util.ArrayList;
import java.util.List;

/**
 * Every valid question of a type about a scene, with answers computed from the scene. This is the
 * single place where answers are decided; the generator only chooses among these questions.
 */
public final class SceneQuestions {
    /**
     * How far (px) a box must stay clear of the centre line for its object to be clearly in one half.
     */
    public static final int HALF_MARGIN = 8;
    /** Minimum empty space (px) between two boxes along an axis for a relation along that axis. */
    public static final int RELATION_GAP = 8;

    /** {@link Question#template()} of "how many shapes are there ?". */
    static final String COUNT_SHAPES_TEMPLATE = "how many shapes are there ?";
    /** {@link Question#template()} of "how many circles are there ?" and the other kinds. */
    static final String COUNT_KIND_TEMPLATE = "how many <kinds> are there ?";

    private SceneQuestions() {}

    /** A question about {@code scene}, in its frame. */
    private static Question ask(Scene scene, QuestionType type, String text, String answer, List<SceneObject> objects) {
        return new Question(type, text, answer, objects, scene.width(), scene.height());
    }

    /** A way to name one object unambiguously in this scene: "the circle" or "the red circle". */
    record Reference(String words, SceneObject object) {}

    /** All valid questions of {@code type}, in a fixed order (by object order, then wording). */
    public static List<Question> of(Scene scene, QuestionType type) {
        return switch (type) {
            case EXIST -> exist(scene);
            case COLOR -> color(scene);
            case COUNT -> count(scene);
            case POSITION -> position(scene);
            case RELATION -> relation(scene);
        };
    }

    /**
     * The unambiguous names of the scene's objects: "the kind" when the object is the only one of its
     * kind, and "the colour kind" when it is the only one of its kind and colour. An object that
     * shares kind and colour with another has no name.
     */
    static List<Reference> references(Scene scene) {
        List<Reference> refs = new ArrayList<>();
        List<SceneObject> objs = scene.objects();
        for (SceneObject o : objs) {
            int sameKind = 0;
            int sameKindColor = 0;
            for (SceneObject p : objs) {
                if (p.kind() == o.kind()) {
                    sameKind++;
                    if (p.color() == o.color()) {
                        sameKindColor++;
                    }
                }
            }
            if (sameKind == 1) {
                refs.add(new Reference("the " + o.kind().word(), o));
            }
            if (sameKindColor == 1) {
                refs.add(new Reference("the " + o.describe(), o));
            }
        }
        return refs;
    }

    private static List<Question> exist(Scene scene) {
        List<Question> out = new ArrayList<>();
        for (ShapeKind k : ShapeKind.values()) {
            for (ShapeColor c : ShapeColor.values()) {
                List<SceneObject> matching = scene.objects().stream()
                        .filter(o -> o.kind() == k && o.color() == c)
                        .toList();
                String article = c.word().startsWith("o") ? "an" : "a";
                String text = "is there " + article + " " + c.word() + " " + k.word() + " ?";
                out.add(ask(scene, QuestionType.EXIST, text, matching.isEmpty() ? "no" : "yes", matching));
            }
        }
        return out;
    }

    private static List<Question> color(Scene scene) {
        List<Question> out = new ArrayList<>();
        for (ShapeKind k : ShapeKind.values()) {
            List<SceneObject> ofKind =
                    scene.objects().stream().filter(o -> o.kind() == k).toList();
            if (ofKind.size() == 1) {
                SceneObject o = ofKind.get(0);
                out.add(ask(
                        scene,
                        QuestionType.COLOR,
                        "what color is the " + k.word() + " ?",
                        o.color().word(),
                        ofKind));
            }
        }
        return out;
    }

    private static List<Question> count(Scene scene) {
        List<Question> out = new ArrayList<>();
        out.add(ask(
                scene,
                QuestionType.COUNT,
                "how many shapes are there ?",
                Integer.toString(scene.objects().size()),
                scene.objects()));
        for (ShapeKind k : ShapeKind.values()) {
            List<SceneObject> ofKind =
                    scene.objects().stream().filter(o -> o.kind() == k).toList();
            out.add(ask(
                    scene,
                    QuestionType.COUNT,
                    "how many " + k.plural() + " are there ?",
                    Integer.toString(ofKind.size()),
                    ofKind));
        }
        return out;
    }

    private static List<Question> position(Scene scene) {
        List<Question> out = new ArrayList<>();
        for (Reference r : references(scene)) {
            SceneObject o = r.object();
            // The centre lines of the frame split it into left/right and top/bottom halves.
            int centreX = scene.width() / 2;
            int centreY = scene.height() / 2;
            String side = o.x1() <= centreX - HALF_MARGIN ? "left" : o.x0() >= centreX + HALF_MARGIN ? "right" : null;
            if (side != null) {
                out.add(ask(
                        scene,
                        QuestionType.POSITION,
                        "is " + r.words() + " on the left or the right ?",
                        side,
                        List.of(o)));
            }
            String half = o.y1() <= centreY - HALF_MARGIN ? "top" : o.y0() >= centreY + HALF_MARGIN ? "bottom" : null;
            if (half != null) {
                out.add(ask(
                        scene,
                        QuestionType.POSITION,
                        "is " + r.words() + " at the top or the bottom ?",
                        half,
                        List.of(o)));
            }
        }
        return out;
    }

    private static List<Question> relation(Scene scene) {
        List<Question> out = new ArrayList<>();
        List<Reference> refs = references(scene);
        for (Reference a : refs) {
            for (Reference b : refs) {
                SceneObject oa = a.object();
                SceneObject ob = b.object();
                if (oa == ob) {
                    continue;
                }
                String horizontal =
                        oa.x1() + RELATION_GAP <= ob.x0() ? "left" : ob.x1() + RELATION_GAP <= oa.x0() ? "right" : null;
                if (horizontal != null) {
                    out.add(ask(
                            scene,
                            QuestionType.RELATION,
                            "is " + a.words() + " left or right of " + b.words() + " ?",
                            horizontal,
                            List.of(oa, ob)));
                }
                String vertical = oa.y1() + RELATION_GAP <= ob.y0()
                        ? "above"
                        : ob.y1() + RELATION_GAP <= oa.y0() ? "below" : null;
                if (vertical != null) {
                    out.add(ask(
                            scene,
                            QuestionType.RELATION,
                            "is " + a.words() + " above or below " + b.words() + " ?",
                            vertical,
                            List.of(oa, ob)));
                }
            }
        }
        return out;
    }
}
