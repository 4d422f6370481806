package org.transprune.train;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.transprune.synth.Scene;
import org.transprune.synth.SceneObject;

/**
 * Training-only caption questions: "what shapes are there ?" answered by every object of the scene,
 * left to right (by box centre, then top to bottom), as {@code colour kind left|right top|bottom}
 * with objects separated by {@code .}; the halves are those of the box centre. Every answer token is
 * a target, so one caption supervises several look-ups in the image (find the next object from the
 * left, read its kind, read its halves given its colour and kind), where a benchmark question
 * supervises one answer word. Only benchmark words are used, so the tokenizer is unchanged; captions
 * are never part of the benchmark.
 */
public final class Captions {
    /** The caption question. */
    public static final String QUESTION = "what shapes are there ?";

    private Captions() {}

    /** The caption of a scene. */
    public static String of(Scene scene) {
        List<SceneObject> objs = new ArrayList<>(scene.objects());
        objs.sort(Comparator.<SceneObject>comparingInt(o -> o.x0() + o.x1()).thenComparingInt(o -> o.y0() + o.y1()));
        StringBuilder out = new StringBuilder();
        // compare x0 + x1 with twice the frame's centre line
        int twiceCentreX = scene.width();
        int twiceCentreY = scene.height();
        for (SceneObject o : objs) {
            if (out.length() > 0) {
                out.append(" . ");
            }
            out.append(o.color().word())
                    .append(' ')
                    .append(o.kind().word())
                    .append(o.x0() + o.x1() < twiceCentreX ? " left" : " right")
                    .append(o.y0() + o.y1() < twiceCentreY ? " top" : " bottom");
        }
        return out.toString();
    }
}
