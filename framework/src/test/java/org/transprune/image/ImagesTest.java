package org.transprune.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImagesTest {

    @TempDir
    Path dir;

    @Test
    void missingFileIsNamedWithoutStackTraceNoise() {
        Path missing = dir.resolve("COCO_val2014_000000000042.jpg");
        ImageReadException e = assertThrows(ImageReadException.class, () -> Images.read(missing));
        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("not found"), e.getMessage());
    }

    @Test
    void unreadableFileIsNamed() throws IOException {
        Path junk = dir.resolve("junk.png");
        Files.writeString(junk, "this is not an image");
        ImageReadException e = assertThrows(ImageReadException.class, () -> Images.read(junk));
        assertTrue(e.getMessage().contains(junk.toString()), e.getMessage());
        ImageReadException d = assertThrows(ImageReadException.class, () -> Images.read(dir));
        assertTrue(d.getMessage().contains("not a file"), d.getMessage());
    }

    @Test
    void pngWithAlphaKeepsColourAndDropsAlpha() throws IOException {
        BufferedImage argb = new BufferedImage(3, 2, BufferedImage.TYPE_INT_ARGB);
        argb.setRGB(0, 0, 0x00FF8040); // fully transparent: PIL's convert keeps the colour
        argb.setRGB(2, 1, 0x80102030);
        Path file = dir.resolve("a.png");
        ImageIO.write(argb, "png", file.toFile());
        RgbImage img = Images.read(file);
        assertEquals(3, img.width());
        assertEquals(2, img.height());
        assertEquals(0xFF, img.get(0, 0, 0));
        assertEquals(0x80, img.get(0, 0, 1));
        assertEquals(0x40, img.get(0, 0, 2));
        assertEquals(0x10, img.get(2, 1, 0));
        assertEquals(0x20, img.get(2, 1, 1));
        assertEquals(0x30, img.get(2, 1, 2));
    }

    @Test
    void greyPngKeepsItsStoredValues() throws IOException {
        BufferedImage grey = new BufferedImage(2, 1, BufferedImage.TYPE_BYTE_GRAY);
        grey.getRaster().setSample(0, 0, 0, 128);
        grey.getRaster().setSample(1, 0, 0, 37);
        Path file = dir.resolve("g.png");
        ImageIO.write(grey, "png", file.toFile());
        RgbImage img = Images.read(file);
        for (int c = 0; c < 3; c++) {
            assertEquals(128, img.get(0, 0, c));
            assertEquals(37, img.get(1, 0, c));
        }
    }

    @Test
    void rgbRoundTrip() throws IOException {
        RgbImage img = ImagePreprocessorTest.numbered(4, 3);
        Path file = dir.resolve("n.png");
        ImageIO.write(Images.toBufferedImage(img), "png", file.toFile());
        assertEquals(img, Images.read(file));
    }
}
