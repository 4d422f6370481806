package org.transprune.checkpoint;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * A short content identity of a checkpoint directory that does not depend on where it lies: the
 * SHA-256 of its {@code config.json}, and of each safetensors file (by name, in name order) its
 * size, its header and its data: all of it up to 64 MiB, beyond that four 64 KiB samples spread
 * over the file. Reading at most a few hundred KiB of a large file, it is quick even for a 14 GB
 * checkpoint, tells retrained weights apart (every sample changes), and stays the same when the
 * directory is copied or cloned elsewhere, so experiment results recorded against it are found
 * again.
 */
public final class CheckpointFingerprint {
    private static final int SAMPLE = 64 * 1024;
    private static final int SAMPLES = 4;
    /** Files with at most this much data are hashed whole. */
    private static final long WHOLE = 64L << 20;

    private CheckpointFingerprint() {}

    /** {@code "sha256:" + 16 hex digits}; throws {@link UncheckedIOException} when a file cannot be read. */
    public static String of(Path dir) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            Path config = dir.resolve("config.json");
            if (Files.isRegularFile(config)) {
                md.update(Files.readAllBytes(config));
            }
            List<Path> files;
            try (Stream<Path> s = Files.list(dir)) {
                files = s.filter(p -> p.getFileName().toString().endsWith(".safetensors"))
                        .sorted()
                        .toList();
            }
            for (Path f : files) {
                md.update(f.getFileName().toString().getBytes(StandardCharsets.UTF_8));
                try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
                    long size = ch.size();
                    md.update(ByteBuffer.allocate(8)
                            .order(ByteOrder.LITTLE_ENDIAN)
                            .putLong(size)
                            .array());
                    long headerEnd = 0;
                    if (size >= 8) {
                        ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
                        ch.read(len, 0);
                        headerEnd = Math.min(size, 8 + Math.max(0, len.flip().getLong()));
                    }
                    update(md, ch, 0, headerEnd);
                    long data = size - headerEnd;
                    if (data <= WHOLE) {
                        update(md, ch, headerEnd, size);
                        continue;
                    }
                    for (int k = 0; k < SAMPLES; k++) {
                        long at = headerEnd + Math.max(0, (data - SAMPLE) * k / (SAMPLES - 1));
                        update(md, ch, at, Math.min(size, at + SAMPLE));
                    }
                }
            }
            return "sha256:" + HexFormat.of().formatHex(md.digest()).substring(0, 16);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot fingerprint checkpoint " + dir + ": " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void update(MessageDigest md, FileChannel ch, long from, long to) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate((int) Math.min(Integer.MAX_VALUE, to - from));
        long at = from;
        while (buf.hasRemaining()) {
            int n = ch.read(buf, at);
            if (n < 0) {
                break;
            }
            at += n;
        }
        md.update(buf.flip());
    }
}
