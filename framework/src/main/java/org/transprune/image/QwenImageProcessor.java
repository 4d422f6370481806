package org.transprune.image;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Qwen2-VL's image processor ({@code Qwen2VLImageProcessor}, used by Qwen2.5-VL): "smart resize" to
 * multiples of {@code patch * merge} (28 px) with the pixel count kept within
 * {@code [minPixels, maxPixels]}, Pillow bicubic resampling, rescale and normalisation with the
 * processor's mean/std (OpenAI CLIP's), and the cut into 14 px patches of two identical frames, flattened in
 * the reference's order: 2x2 blocks of patches row-major, the four patches of a block row-major, each
 * patch as {@code (channel, frame, y, x)}.
 *
 * <p>The reference's default {@code max_pixels} (12,845,056, up to 16,384 image tokens) is meant for
 * GPUs; this project's default is {@link #CPU_MAX_PIXELS} (at most 576 image tokens, LLaVA-1.5's count);
 * a checkpoint's {@code preprocessor_config.json} or the caller may set another.
 */
public final class QwenImageProcessor {
    /** The reference's {@code min_pixels}: 56 x 56. */
    public static final int MIN_PIXELS = 56 * 56;
    /** The project's default {@code max_pixels}: 576 tokens of 28 x 28 px (451,584 pixels, e.g. 672 x 672). */
    public static final int CPU_MAX_PIXELS = 576 * 28 * 28;
    /** The published default {@code max_pixels} of the Qwen2.5-VL checkpoints' preprocessor_config.json. */
    public static final int REFERENCE_MAX_PIXELS = 12_845_056;

    private final int minPixels;
    private final int maxPixels;
    private final int patchSize;
    private final int temporalPatchSize;
    private final int mergeSize;
    private final double[] mean;
    private final double[] std;
    private final double rescaleFactor;
    private final Resampler.Filter filter;

    /**
     * @param minPixels smallest pixel count after resizing
     * @param maxPixels largest pixel count after resizing
     */
    public QwenImageProcessor(
            int minPixels,
            int maxPixels,
            int patchSize,
            int temporalPatchSize,
            int mergeSize,
            double[] mean,
            double[] std,
            double rescaleFactor,
            Resampler.Filter filter) {
        if (minPixels <= 0 || maxPixels < minPixels) {
            throw new IllegalArgumentException(
                    "need 0 < min_pixels <= max_pixels, got " + minPixels + " and " + maxPixels);
        }
        if (patchSize <= 0 || temporalPatchSize <= 0 || mergeSize <= 0) {
            throw new IllegalArgumentException("patch_size, temporal_patch_size and merge_size must be positive");
        }
        if (mean.length != 3 || std.length != 3) {
            throw new IllegalArgumentException("image_mean and image_std need 3 values each");
        }
        this.minPixels = minPixels;
        this.maxPixels = maxPixels;
        this.patchSize = patchSize;
        this.temporalPatchSize = temporalPatchSize;
        this.mergeSize = mergeSize;
        this.mean = mean.clone();
        this.std = std.clone();
        this.rescaleFactor = rescaleFactor;
        this.filter = filter;
    }

    /** The reference's settings with the project's CPU default {@code max_pixels}. */
    public static QwenImageProcessor defaults() {
        return withMaxPixels(CPU_MAX_PIXELS);
    }

    /** The reference's settings with {@code maxPixels}. */
    public static QwenImageProcessor withMaxPixels(int maxPixels) {
        return new QwenImageProcessor(
                MIN_PIXELS,
                maxPixels,
                14,
                2,
                2,
                ImagePreprocessor.CLIP_MEAN,
                ImagePreprocessor.CLIP_STD,
                ImagePreprocessor.DEFAULT_RESCALE,
                Resampler.Filter.BICUBIC);
    }

    /** The same processor with another {@code max_pixels} (min_pixels lowered to it if needed). */
    public QwenImageProcessor maxPixels(int pixels) {
        return new QwenImageProcessor(
                Math.min(minPixels, pixels),
                pixels,
                patchSize,
                temporalPatchSize,
                mergeSize,
                mean,
                std,
                rescaleFactor,
                filter);
    }

    /**
     * Reads a Qwen2-VL {@code preprocessor_config.json}; {@code max_pixels} is taken from the file only when
     * {@code maxPixelsOverride} is null (the project's runs pass their own, see the class comment).
     *
     * @throws IllegalArgumentException naming the file when it cannot be read
     */
    public static QwenImageProcessor fromConfig(Path file, Integer maxPixelsOverride) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(file.toFile());
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(file + ": not valid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": cannot read: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException(file + ": not a JSON object");
        }
        // transformers >= 4.50 writes size {shortest_edge: min_pixels, longest_edge: max_pixels} too
        JsonNode size = root.path("size");
        int min = root.path("min_pixels").asInt(size.path("shortest_edge").asInt(MIN_PIXELS));
        int max = root.path("max_pixels").asInt(size.path("longest_edge").asInt(REFERENCE_MAX_PIXELS));
        try {
            return new QwenImageProcessor(
                    Math.min(min, maxPixelsOverride == null ? max : maxPixelsOverride),
                    maxPixelsOverride == null ? max : maxPixelsOverride,
                    root.path("patch_size").asInt(14),
                    root.path("temporal_patch_size").asInt(2),
                    root.path("merge_size").asInt(2),
                    triple(root, "image_mean", ImagePreprocessor.CLIP_MEAN),
                    triple(root, "image_std", ImagePreprocessor.CLIP_STD),
                    root.path("rescale_factor").asDouble(ImagePreprocessor.DEFAULT_RESCALE),
                    Resampler.Filter.fromPil(root.path("resample").asInt(3)));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Writes a {@code preprocessor_config.json} with the reference's settings and {@code maxPixels} into {@code dir}.
     *
     * @return the written file
     */
    public static Path writeConfig(Path dir, int maxPixels) throws IOException {
        Files.createDirectories(dir);
        Path file = dir.resolve("preprocessor_config.json");
        var root = new ObjectMapper().createObjectNode();
        root.put("image_processor_type", "Qwen2VLImageProcessor");
        root.put("min_pixels", MIN_PIXELS);
        root.put("max_pixels", maxPixels);
        root.put("patch_size", 14);
        root.put("temporal_patch_size", 2);
        root.put("merge_size", 2);
        root.put("resample", 3);
        root.put("rescale_factor", ImagePreprocessor.DEFAULT_RESCALE);
        var mean = root.putArray("image_mean");
        var std = root.putArray("image_std");
        for (int c = 0; c < 3; c++) {
            mean.add(ImagePreprocessor.CLIP_MEAN[c]);
            std.add(ImagePreprocessor.CLIP_STD[c]);
        }
        Files.writeString(
                file, new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(root));
        return file;
    }

    private static double[] triple(JsonNode root, String key, double[] dflt) {
        JsonNode v = root.get(key);
        if (v == null || v.isNull()) {
            return dflt;
        }
        if (!v.isArray() || v.size() != 3) {
            throw new IllegalArgumentException("'" + key + "' must be 3 numbers, got " + v);
        }
        return new double[] {v.get(0).asDouble(), v.get(1).asDouble(), v.get(2).asDouble()};
    }

    public int minPixels() {
        return minPixels;
    }

    public int maxPixels() {
        return maxPixels;
    }

    /** Pixels per side of one LLM token ({@code patch * merge}, 28). */
    public int factor() {
        return patchSize * mergeSize;
    }

    /**
     * The reference's {@code smart_resize}: {@code {height, width}} rounded to multiples of {@code factor}
     * with Python's {@code round} (halves to even), then scaled down (floor) when above {@code maxPixels}
     * or up (ceil) when below {@code minPixels}, keeping the aspect ratio as closely as possible. Where
     * scaling down would floor a side to 0 (aspect ratios near the limit) it is kept at {@code factor},
     * as newer transformers versions do.
     *
     * @throws IllegalArgumentException for a side under 10 px or an aspect ratio over 200, as the reference
     */
    public static int[] smartResize(int height, int width, int factor, int minPixels, int maxPixels) {
        if (height < 10 || width < 10) {
            throw new IllegalArgumentException(
                    "image of " + width + "x" + height + " px: both sides must be at least 10 px");
        }
        if ((double) Math.max(height, width) / Math.min(height, width) > 200) {
            throw new IllegalArgumentException(
                    "image of " + width + "x" + height + " px: the aspect ratio must be at most 200");
        }
        // Python: round(h / factor) * factor, true division then round-half-to-even (Math.rint)
        long hBar = (long) Math.rint((double) height / factor) * factor;
        long wBar = (long) Math.rint((double) width / factor) * factor;
        if (hBar * wBar > maxPixels) {
            double beta = Math.sqrt((double) height * width / maxPixels);
            hBar = Math.max(factor, (long) Math.floor(height / beta / factor) * factor);
            wBar = Math.max(factor, (long) Math.floor(width / beta / factor) * factor);
        } else if (hBar * wBar < minPixels) {
            double beta = Math.sqrt((double) minPixels / ((double) height * width));
            hBar = (long) Math.ceil(height * beta / factor) * factor;
            wBar = (long) Math.ceil(width * beta / factor) * factor;
        }
        return new int[] {(int) hBar, (int) wBar};
    }

    /** {@link #smartResize} with this processor's factor and pixel bounds. */
    public int[] resizedSize(int height, int width) {
        return smartResize(height, width, factor(), minPixels, maxPixels);
    }

    /** Image tokens (merged 2x2 patches) an image of this size gives. */
    public int imageTokens(int height, int width) {
        int[] hw = resizedSize(height, width);
        return (hw[0] / factor()) * (hw[1] / factor());
    }

    /**
     * Every step on one image.
     *
     * @return the flattened patches and their grid
     */
    public QwenPixels preprocess(RgbImage image) {
        int[] hw = resizedSize(image.height(), image.width());
        int h = hw[0];
        int w = hw[1];
        RgbImage img = h == image.height() && w == image.width() ? image : Resampler.resize(image, w, h, filter);
        float[] chw = new float[3 * h * w];
        for (int c = 0; c < 3; c++) {
            float m = (float) mean[c];
            float s = (float) std[c];
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    // as ImagePreprocessor: rescale in float64 then float32, normalise in float32
                    float v = (float) (img.get(x, y, c) * rescaleFactor);
                    chw[(c * h + y) * w + x] = (v - m) / s;
                }
            }
        }
        int gridH = h / patchSize;
        int gridW = w / patchSize;
        return new QwenPixels(patchify(chw, h, w), gridH, gridW, h, w);
    }

    /**
     * The reference's reshape/permute of a still image (repeated {@code temporalPatchSize} times) into rows of
     * {@code 3 * temporal * patch^2} values: blocks of {@code merge x merge} patches row-major, patches in a
     * block row-major, values ordered (channel, frame, y, x).
     */
    float[] patchify(float[] chw, int h, int w) {
        int p = patchSize;
        int m = mergeSize;
        int gridH = h / p;
        int gridW = w / p;
        int rowLen = 3 * temporalPatchSize * p * p;
        float[] out = new float[gridH * gridW * rowLen];
        int o = 0;
        for (int bh = 0; bh < gridH / m; bh++) {
            for (int bw = 0; bw < gridW / m; bw++) {
                for (int mh = 0; mh < m; mh++) {
                    for (int mw = 0; mw < m; mw++) {
                        int row = bh * m + mh;
                        int col = bw * m + mw;
                        for (int c = 0; c < 3; c++) {
                            for (int t = 0; t < temporalPatchSize; t++) {
                                for (int y = 0; y < p; y++) {
                                    System.arraycopy(chw, (c * h + row * p + y) * w + col * p, out, o, p);
                                    o += p;
                                }
                            }
                        }
                    }
                }
            }
        }
        return out;
    }
}
