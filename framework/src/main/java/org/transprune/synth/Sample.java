package org.transprune.synth;

import java.awt.image.BufferedImage;
import java.util.List;

/**
 * One generated image with its questions. The image is rendered on demand from the scene (about a
 * millisecond), so a sample is small to hold and to queue.
 *
 * @param index position of the sample in its sampler's stream, from 0
 */
public record Sample(long index, Scene scene, List<Question> questions) {

    public Sample {
        questions = List.copyOf(questions);
    }

    /** The image as a {@link BufferedImage#TYPE_INT_RGB} of the scene's frame (336 x 336 by default). */
    public BufferedImage image() {
        return scene.render();
    }

    /**
     * The image as floats in [0, 1], channel-major (C, H, W) = (3, height, width): red plane, then green,
     * then blue. No normalisation: the model's preprocessor owns resizing and mean/std.
     */
    public float[] floatRgb() {
        int n = scene.width() * scene.height();
        int[] rgb = new int[n];
        scene.renderInto(rgb);
        float[] out = new float[3 * n];
        for (int i = 0; i < n; i++) {
            int p = rgb[i];
            out[i] = ((p >> 16) & 0xff) / 255f;
            out[n + i] = ((p >> 8) & 0xff) / 255f;
            out[2 * n + i] = (p & 0xff) / 255f;
        }
        return out;
    }

    /**
     * Per-patch kind and colour labels for a grid x grid patch grid, with an object labelling a patch
     * when it covers at least {@link Question#DEFAULT_MIN_COVERAGE} of it (the same threshold that
     * makes a patch relevant to a question), the largest cover winning.
     */
    public PatchLabels patchLabels(int grid) {
        return scene.patchLabels(grid, Question.DEFAULT_MIN_COVERAGE);
    }
}
