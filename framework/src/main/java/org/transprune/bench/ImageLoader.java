package org.transprune.bench;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.util.Optional;

/** Decodes a sample's image, reporting an unreadable image with the question's file and line. */
public final class ImageLoader {
    private ImageLoader() {}

    /**
     * The decoded image, or empty when it cannot be read and the policy is SKIP (the problem is
     * recorded in {@code log}); under FAIL a {@link BenchmarkDataException} is thrown.
     */
    public static Optional<BufferedImage> load(Sample sample, IssueLog log) {
        if (sample.image() == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(sample.image().read());
        } catch (IOException | RuntimeException e) {
            log.report(
                    sample.source(),
                    sample.line(),
                    "unreadable image " + sample.image().describe() + " for question " + sample.key() + ": "
                            + e.getMessage(),
                    e);
            return Optional.empty();
        }
    }
}
