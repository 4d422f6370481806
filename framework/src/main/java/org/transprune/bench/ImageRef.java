package org.transprune.bench;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import javax.imageio.ImageIO;

/**
 * Where a sample's image comes from: a file (most benchmarks) or bytes held in the question file
 * (MMBench's base64 column).
 */
public sealed interface ImageRef {

    /** Opens the encoded image bytes (JPEG/PNG...). */
    InputStream open() throws IOException;

    /** A short description for messages. */
    String describe();

    /**
     * Decodes the image.
     *
     * @throws IOException when it cannot be read or no decoder recognises it
     */
    default BufferedImage read() throws IOException {
        try (InputStream in = open()) {
            BufferedImage img = ImageIO.read(in);
            if (img == null) {
                throw new IOException("not a decodable image: " + describe());
            }
            return img;
        }
    }

    /** An image file on disk. */
    record File(Path path) implements ImageRef {
        @Override
        public InputStream open() throws IOException {
            return Files.newInputStream(path);
        }

        @Override
        public String describe() {
            return path.toString();
        }
    }

    /**
     * Image bytes carried in base64 inside the question file; decoded on demand so a large TSV does
     * not hold every image twice.
     */
    record Encoded(String base64) implements ImageRef {
        /** The decoded bytes. */
        public byte[] bytes() {
            return Base64.getMimeDecoder().decode(base64);
        }

        @Override
        public InputStream open() {
            return new ByteArrayInputStream(bytes());
        }

        @Override
        public String describe() {
            return "base64 image (" + base64.length() + " chars)";
        }
    }
}
