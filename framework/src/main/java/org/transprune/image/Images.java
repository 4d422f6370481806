package org.transprune.image;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/** Reading image files as RGB, as LLaVA's {@code Image.open(path).convert('RGB')} does. */
public final class Images {

    private Images() {}

    /**
     * Reads a PNG, JPEG (or any format javax.imageio decodes) and converts it to RGB: alpha is
     * dropped (not composited, as PIL's convert does), grey is copied to the three channels.
     *
     * @throws ImageReadException naming the file when it is missing, not a file, or not decodable
     */
    public static RgbImage read(Path path) {
        if (!Files.exists(path)) {
            throw new ImageReadException("image file not found: " + path);
        }
        if (!Files.isRegularFile(path)) {
            throw new ImageReadException("image path is not a file: " + path);
        }
        BufferedImage image;
        try {
            image = ImageIO.read(path.toFile());
        } catch (IOException | RuntimeException e) {
            String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            throw new ImageReadException("cannot read image " + path + ": " + why, e);
        }
        if (image == null) {
            throw new ImageReadException("cannot read image " + path + ": not a PNG/JPEG/BMP/GIF image");
        }
        return toRgb(image);
    }

    /** Converts a decoded image to RGB (see {@link #read(Path)}). */
    public static RgbImage toRgb(BufferedImage image) {
        int w = image.getWidth();
        int h = image.getHeight();
        byte[] out = new byte[3 * w * h];
        Raster raster = image.getRaster();
        boolean grey =
                image.getColorModel().getColorSpace().getType() == ColorSpace.TYPE_GRAY && raster.getNumBands() <= 2;
        if (grey) {
            // getRGB would treat the grey as linear and convert it to sRGB, brightening mid-tones;
            // PIL copies the stored value, so read the samples directly.
            int shift = Math.max(0, raster.getSampleModel().getSampleSize(0) - 8);
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    byte v = (byte) (raster.getSample(x, y, 0) >> shift);
                    int i = 3 * (y * w + x);
                    out[i] = v;
                    out[i + 1] = v;
                    out[i + 2] = v;
                }
            }
        } else {
            int[] row = new int[w];
            for (int y = 0; y < h; y++) {
                image.getRGB(0, y, w, 1, row, 0, w);
                for (int x = 0; x < w; x++) {
                    int i = 3 * (y * w + x);
                    out[i] = (byte) (row[x] >> 16);
                    out[i + 1] = (byte) (row[x] >> 8);
                    out[i + 2] = (byte) row[x];
                }
            }
        }
        return new RgbImage(w, h, out);
    }

    /** A TYPE_INT_RGB image of the pixels, e.g. for writing with ImageIO. */
    public static BufferedImage toBufferedImage(RgbImage image) {
        BufferedImage out = new BufferedImage(image.width(), image.height(), BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < image.height(); y++) {
            for (int x = 0; x < image.width(); x++) {
                out.setRGB(x, y, image.get(x, y, 0) << 16 | image.get(x, y, 1) << 8 | image.get(x, y, 2));
            }
        }
        return out;
    }
}
