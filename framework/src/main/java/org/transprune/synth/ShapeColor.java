package org.transprune.synth;

/** The six well-separated colours a shape can have, with their single-word names and sRGB values. */
public enum ShapeColor {
    RED("red", 220, 40, 40),
    GREEN("green", 40, 170, 60),
    BLUE("blue", 40, 80, 225),
    YELLOW("yellow", 240, 220, 40),
    PURPLE("purple", 150, 60, 190),
    ORANGE("orange", 250, 140, 20);

    private final String word;
    private final int rgb;

    ShapeColor(String word, int r, int g, int b) {
        this.word = word;
        this.rgb = (r << 16) | (g << 8) | b;
    }

    /** The colour's name as questions and answers spell it. */
    public String word() {
        return word;
    }

    /** The colour packed as 0xRRGGBB. */
    public int rgb() {
        return rgb;
    }

    /** The colour named by {@code word}; throws for any other word. */
    public static ShapeColor ofWord(String word) {
        for (ShapeColor c : values()) {
            if (c.word.equals(word)) {
                return c;
            }
        }
        throw new IllegalArgumentException("unknown colour: " + word);
    }
}
