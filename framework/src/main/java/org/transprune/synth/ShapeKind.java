package org.transprune.synth;

/** The kinds of shape a scene can contain, with the words questions use for them. */
public enum ShapeKind {
    CIRCLE("circle", "circles"),
    SQUARE("square", "squares"),
    TRIANGLE("triangle", "triangles");

    private final String word;
    private final String plural;

    ShapeKind(String word, String plural) {
        this.word = word;
        this.plural = plural;
    }

    /** The singular noun, e.g. {@code circle}. */
    public String word() {
        return word;
    }

    /** The plural noun, e.g. {@code circles}. */
    public String plural() {
        return plural;
    }

    /**
     * Whether the point (u, v), in coordinates local to the shape's size x size box (origin at the
     * box's top-left corner), lies inside the shape.
     */
    boolean contains(double u, double v, int size) {
        double half = size / 2.0;
        switch (this) {
            case SQUARE:
                return u >= 0 && v >= 0 && u <= size && v <= size;
            case CIRCLE:
                double du = u - half;
                double dv = v - half;
                return du * du + dv * dv <= half * half;
            case TRIANGLE:
                // Apex at the top centre, base along the bottom edge: the half-width grows from 0 to
                // size/2 over the height, so it is v / 2 at depth v.
                return v >= 0 && v <= size && Math.abs(u - half) <= v / 2.0;
            default:
                throw new AssertionError(this);
        }
    }

    /** The kind named by a question word ({@code circle}); throws for any other word. */
    public static ShapeKind ofWord(String word) {
        for (ShapeKind k : values()) {
            if (k.word.equals(word)) {
                return k;
            }
        }
        throw new IllegalArgumentException("unknown shape kind: " + word);
    }
}
