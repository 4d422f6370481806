package org.transprune.image;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * LLaVA-1.5's image preprocessing: Hugging Face's {@code CLIPImageProcessor} behind LLaVA's
 * {@code image_aspect_ratio: pad}.
 *
 * <p>Steps, each optional as the config says: pad to a square with the mean colour
 * ({@code int(mean * 255)} per channel, image centred; LLaVA's {@code expand2square}), resize so the
 * shortest edge is {@code size} (or to an exact {@code height x width}) with Pillow's filter, centre
 * crop to {@code crop_size} (zero padding when the image is smaller, as Hugging Face does), rescale
 * by {@code rescale_factor}, normalise with mean and std, in float32 like numpy does.
 *
 * <p>Remaining differences from the Python pipeline: JPEG decoding (javax.imageio and libjpeg may
 * differ by a level or two on some pixels), ICC profiles (neither side applies them, but ImageIO
 * converts some non-sRGB colour models to sRGB), and 16-bit grey images, which are scaled to 8 bits
 * here whereas PIL clips them. Resizing itself follows Pillow's integer arithmetic (see
 * {@link Resampler}).
 */
public final class ImagePreprocessor {

    /** CLIP's per-channel mean (OpenAI CLIP, as in LLaVA-1.5's preprocessor_config.json). */
    public static final double[] CLIP_MEAN = {0.48145466, 0.4578275, 0.40821073};
    /** CLIP's per-channel standard deviation. */
    public static final double[] CLIP_STD = {0.26862954, 0.26130258, 0.27577711};
    /** {@code 1 / 255}, as Python writes it. */
    public static final double DEFAULT_RESCALE = 1.0 / 255;

    private final int shortestEdge; // > 0: resize the shortest edge to this
    private final int resizeHeight; // used when shortestEdge == 0
    private final int resizeWidth;
    private final int cropHeight;
    private final int cropWidth;
    private final double[] mean;
    private final double[] std;
    private final boolean doResize;
    private final boolean doCenterCrop;
    private final boolean doRescale;
    private final boolean doNormalize;
    private final double rescaleFactor;
    private final Resampler.Filter filter;
    private final boolean padToSquare;

    private ImagePreprocessor(
            int shortestEdge,
            int resizeHeight,
            int resizeWidth,
            int cropHeight,
            int cropWidth,
            double[] mean,
            double[] std,
            boolean doResize,
            boolean doCenterCrop,
            boolean doRescale,
            boolean doNormalize,
            double rescaleFactor,
            Resampler.Filter filter,
            boolean padToSquare) {
        if (mean.length != 3 || std.length != 3) {
            throw new IllegalArgumentException("image_mean and image_std need 3 values each");
        }
        for (double s : std) {
            if (!(s > 0)) {
                throw new IllegalArgumentException("image_std must be positive: " + Arrays.toString(std));
            }
        }
        if (doCenterCrop && (cropHeight <= 0 || cropWidth <= 0)) {
            throw new IllegalArgumentException("crop_size must be positive");
        }
        if (doResize && shortestEdge <= 0 && (resizeHeight <= 0 || resizeWidth <= 0)) {
            throw new IllegalArgumentException("size must be positive");
        }
        this.shortestEdge = shortestEdge;
        this.resizeHeight = resizeHeight;
        this.resizeWidth = resizeWidth;
        this.cropHeight = cropHeight;
        this.cropWidth = cropWidth;
        this.mean = mean.clone();
        this.std = std.clone();
        this.doResize = doResize;
        this.doCenterCrop = doCenterCrop;
        this.doRescale = doRescale;
        this.doNormalize = doNormalize;
        this.rescaleFactor = rescaleFactor;
        this.filter = filter;
        this.padToSquare = padToSquare;
    }

    /**
     * CLIP's defaults at a size: shortest edge {@code size}, crop {@code size x size}, bicubic, CLIP
     * mean/std, pad to square on (LLaVA-1.5).
     */
    public static ImagePreprocessor clip(int size) {
        return new ImagePreprocessor(
                size,
                0,
                0,
                size,
                size,
                CLIP_MEAN,
                CLIP_STD,
                true,
                true,
                true,
                true,
                DEFAULT_RESCALE,
                Resampler.Filter.BICUBIC,
                true);
    }

    /**
     * Reads a {@code preprocessor_config.json} (CLIPImageProcessor fields; anything absent takes
     * CLIP's default at 336). Pad to square is on: LLaVA-1.5's {@code image_aspect_ratio} is
     * {@code pad}; use {@link #withPadToSquare(boolean)} for models that do not pad.
     *
     * @throws IllegalArgumentException naming the file when it is missing or malformed
     */
    public static ImagePreprocessor fromConfig(Path file) {
        if (Files.isDirectory(file)) {
            file = file.resolve("preprocessor_config.json");
        }
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("preprocessor config not found: " + file);
        }
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new IllegalArgumentException(
                    "cannot read " + file + ": "
                            + (e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage()),
                    e);
        }
        try {
            return fromJson(root);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    private static ImagePreprocessor fromJson(JsonNode root) {
        int shortest = 336;
        int height = 0;
        int width = 0;
        JsonNode size = root.get("size");
        if (size != null && !size.isNull()) {
            if (size.isInt()) {
                shortest = size.asInt(); // an int means shortest edge for CLIP (default_to_square=False)
            } else if (size.has("shortest_edge")) {
                shortest = size.get("shortest_edge").asInt();
            } else if (size.has("height") && size.has("width")) {
                shortest = 0;
                height = size.get("height").asInt();
                width = size.get("width").asInt();
            } else {
                throw new IllegalArgumentException(
                        "unsupported 'size' " + size + " (expected an int, {shortest_edge} or {height, width})");
            }
        }
        int cropH = 336;
        int cropW = 336;
        JsonNode crop = root.get("crop_size");
        if (crop != null && !crop.isNull()) {
            if (crop.isInt()) {
                cropH = crop.asInt();
                cropW = cropH;
            } else if (crop.has("height") && crop.has("width")) {
                cropH = crop.get("height").asInt();
                cropW = crop.get("width").asInt();
            } else {
                throw new IllegalArgumentException("unsupported 'crop_size' " + crop);
            }
        }
        return new ImagePreprocessor(
                shortest,
                height,
                width,
                cropH,
                cropW,
                triple(root, "image_mean", CLIP_MEAN),
                triple(root, "image_std", CLIP_STD),
                flag(root, "do_resize"),
                flag(root, "do_center_crop"),
                flag(root, "do_rescale"),
                flag(root, "do_normalize"),
                root.has("rescale_factor") ? root.get("rescale_factor").asDouble() : DEFAULT_RESCALE,
                Resampler.Filter.fromPil(
                        root.has("resample") ? root.get("resample").asInt() : 3),
                true);
    }

    private static boolean flag(JsonNode root, String key) {
        JsonNode v = root.get(key);
        return v == null || v.isNull() || v.asBoolean();
    }

    private static double[] triple(JsonNode root, String key, double[] fallback) {
        JsonNode v = root.get(key);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (v.isNumber()) {
            return new double[] {v.asDouble(), v.asDouble(), v.asDouble()};
        }
        if (!v.isArray() || v.size() != 3) {
            throw new IllegalArgumentException("'" + key + "' must be a number or 3 numbers, got " + v);
        }
        return new double[] {v.get(0).asDouble(), v.get(1).asDouble(), v.get(2).asDouble()};
    }

    /** The same preprocessing with pad-to-square on or off. */
    public ImagePreprocessor withPadToSquare(boolean pad) {
        return new ImagePreprocessor(
                shortestEdge,
                resizeHeight,
                resizeWidth,
                cropHeight,
                cropWidth,
                mean,
                std,
                doResize,
                doCenterCrop,
                doRescale,
                doNormalize,
                rescaleFactor,
                filter,
                pad);
    }

    public boolean padToSquare() {
        return padToSquare;
    }

    public Resampler.Filter filter() {
        return filter;
    }

    /** Height and width of the output when centre cropping (the vision tower's input size). */
    public int cropHeight() {
        return cropHeight;
    }

    public int cropWidth() {
        return cropWidth;
    }

    /** The padding colour, {@code int(mean * 255)} per channel as LLaVA computes it. */
    public int[] padColour() {
        int[] colour = new int[3];
        for (int c = 0; c < 3; c++) {
            colour[c] = (int) (mean[c] * 255);
        }
        return colour;
    }

    /** Runs every step on an image. */
    public PixelValues preprocess(RgbImage image) {
        RgbImage img = padToSquare ? expandToSquare(image, padColour()) : image;
        if (doResize) {
            int[] hw = resizeTarget(img.height(), img.width());
            img = Resampler.resize(img, hw[1], hw[0], filter);
        }
        if (doCenterCrop) {
            img = centerCrop(img, cropHeight, cropWidth);
        }
        int h = img.height();
        int w = img.width();
        float[] out = new float[3 * h * w];
        for (int c = 0; c < 3; c++) {
            // numpy casts mean/std to the image dtype (float32) and computes in float32
            float m = (float) mean[c];
            float s = (float) std[c];
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    int p = img.get(x, y, c);
                    // HF rescale multiplies in float64, then casts to float32
                    float v = doRescale ? (float) (p * rescaleFactor) : p;
                    if (doNormalize) {
                        v = (v - m) / s;
                    }
                    out[(c * h + y) * w + x] = v;
                }
            }
        }
        return new PixelValues(out, h, w);
    }

    /** Output {height, width} of the resize step for an input size (HF's get_resize_output_image_size). */
    int[] resizeTarget(int height, int width) {
        if (shortestEdge <= 0) {
            return new int[] {resizeHeight, resizeWidth};
        }
        int shortSide = Math.min(height, width);
        int longSide = Math.max(height, width);
        // Python: int(size * long / short), a true division then truncation
        int newLong = (int) ((double) ((long) shortestEdge * longSide) / shortSide);
        return width <= height ? new int[] {newLong, shortestEdge} : new int[] {shortestEdge, newLong};
    }

    /**
     * LLaVA's {@code expand2square}: the image pasted on a square of the background colour, at
     * offset {@code (0, (w - h) // 2)} when wider, {@code ((h - w) // 2, 0)} when taller.
     */
    public static RgbImage expandToSquare(RgbImage image, int[] background) {
        int w = image.width();
        int h = image.height();
        if (w == h) {
            return image;
        }
        int side = Math.max(w, h);
        RgbImage out = RgbImage.filled(side, side, background[0], background[1], background[2]);
        int left = (side - w) / 2;
        int top = (side - h) / 2;
        for (int y = 0; y < h; y++) {
            System.arraycopy(image.rgb(), 3 * y * w, out.rgb(), 3 * ((y + top) * side + left), 3 * w);
        }
        return out;
    }

    /**
     * Hugging Face's {@code center_crop}: offsets {@code (H - h) // 2} and {@code (W - w) // 2}
     * (floor division); where the image is smaller than the crop it is first centred on zeros with
     * {@code ceil} padding.
     */
    public static RgbImage centerCrop(RgbImage image, int cropHeight, int cropWidth) {
        int h = image.height();
        int w = image.width();
        int top = Math.floorDiv(h - cropHeight, 2);
        int left = Math.floorDiv(w - cropWidth, 2);
        if (top >= 0 && left >= 0) {
            RgbImage out = new RgbImage(cropWidth, cropHeight, new byte[3 * cropWidth * cropHeight]);
            for (int y = 0; y < cropHeight; y++) {
                System.arraycopy(image.rgb(), 3 * ((y + top) * w + left), out.rgb(), 3 * y * cropWidth, 3 * cropWidth);
            }
            return out;
        }
        // Pad to at least the crop size, image at ceil((new - old) / 2), then crop as HF does.
        int newH = Math.max(cropHeight, h);
        int newW = Math.max(cropWidth, w);
        int padTop = (newH - h + 1) / 2;
        int padLeft = (newW - w + 1) / 2;
        RgbImage padded = new RgbImage(newW, newH, new byte[3 * newW * newH]);
        for (int y = 0; y < h; y++) {
            System.arraycopy(image.rgb(), 3 * y * w, padded.rgb(), 3 * ((y + padTop) * newW + padLeft), 3 * w);
        }
        int t = Math.max(0, top + padTop);
        int b = Math.min(newH, top + padTop + cropHeight);
        int l = Math.max(0, left + padLeft);
        int r = Math.min(newW, left + padLeft + cropWidth);
        RgbImage out = new RgbImage(r - l, b - t, new byte[3 * (r - l) * (b - t)]);
        for (int y = t; y < b; y++) {
            System.arraycopy(padded.rgb(), 3 * (y * newW + l), out.rgb(), 3 * (y - t) * (r - l), 3 * (r - l));
        }
        return out;
    }
}
