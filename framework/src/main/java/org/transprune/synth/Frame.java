package org.transprune.synth;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The pixel size of a generated image: the benchmark's square {@value Scene#SIZE} px frame by
 * default, or a non-square frame for LLaVA-NeXT's AnyRes (written {@code WIDTHxHEIGHT}, e.g.
 * {@code 336x168}). Each side must fit a largest shape (84 px) and be at
 * most {@value Scene#SIZE} px.
 */
public record Frame(int width, int height) {
    /** The default 336 x 336 frame. */
    public static final Frame DEFAULT = new Frame(Scene.SIZE, Scene.SIZE);

    /** The frames of the micro LLaVA-NeXT's synthetic split: wide, tall and square. */
    public static final List<Frame> NEXT = List.of(new Frame(336, 168), new Frame(168, 336), new Frame(336, 336));

    public Frame {
        if (width < SceneGenerator.MAX_SIZE
                || height < SceneGenerator.MAX_SIZE
                || width > Scene.SIZE
                || height > Scene.SIZE) {
            throw new IllegalArgumentException("a frame must be " + SceneGenerator.MAX_SIZE + ".." + Scene.SIZE
                    + " px a side, got " + width + "x" + height);
        }
    }

    /** {@code WIDTHxHEIGHT}. */
    public static Frame parse(String text) {
        String[] p = text.strip().toLowerCase(Locale.ROOT).split("x");
        if (p.length != 2) {
            throw new IllegalArgumentException("a frame is WIDTHxHEIGHT (e.g. 336x168), got '" + text + "'");
        }
        try {
            return new Frame(Integer.parseInt(p[0].strip()), Integer.parseInt(p[1].strip()));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("a frame is WIDTHxHEIGHT (e.g. 336x168), got '" + text + "'");
        }
    }

    /** A comma-separated list of frames, e.g. {@code 336x168,168x336,336x336}. */
    public static List<Frame> parseList(String text) {
        List<Frame> out = new ArrayList<>();
        for (String f : text.split(",")) {
            out.add(parse(f));
        }
        return List.copyOf(out);
    }

    @Override
    public String toString() {
        return width + "x" + height;
    }
}
