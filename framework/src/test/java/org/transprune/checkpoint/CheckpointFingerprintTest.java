package org.transprune.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transprune.pipeline.TinyCheckpointDirs;

class CheckpointFingerprintTest {
    @TempDir
    Path tmp;

    @Test
    void sameContentAnywhereSameFingerprintChangedWeightsOrConfigDiffer() throws Exception {
        Path a = TinyCheckpointDirs.write(tmp.resolve("a"));
        Path b = tmp.resolve("elsewhere/b");
        Files.createDirectories(b);
        try (Stream<Path> files = Files.list(a)) {
            for (Path f : files.toList()) {
                Files.copy(f, b.resolve(f.getFileName()));
            }
        }
        String fa = CheckpointFingerprint.of(a);
        assertTrue(fa.matches("sha256:[0-9a-f]{16}"), fa);
        assertEquals(fa, CheckpointFingerprint.of(b), "a copy elsewhere is the same checkpoint");

        // One weight byte in the middle of the data (files up to 64 MiB are hashed whole).
        Path weights = b.resolve("model.safetensors");
        try (FileChannel ch = FileChannel.open(weights, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long at = ch.size() / 2;
            ByteBuffer one = ByteBuffer.allocate(1);
            ch.read(one, at);
            ch.write(ByteBuffer.wrap(new byte[] {(byte) (one.get(0) ^ 1)}), at);
        }
        String changed = CheckpointFingerprint.of(b);
        assertNotEquals(fa, changed, "retrained weights must not share results");

        Files.writeString(b.resolve("config.json"), Files.readString(b.resolve("config.json")) + " ");
        assertNotEquals(changed, CheckpointFingerprint.of(b), "config.json is part of the identity");
    }
}
