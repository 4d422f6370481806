package org.transprune.records;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResultsLogTest {
    @TempDir
    Path dir;

    private static SampleRecord sample(String key) {
        return SampleRecord.skipped("c", "b", key, null, "none", null, "test " + key, null);
    }

    @Test
    void openCutsATornTailMovesUnreadableLinesAsideAndKeepsEveryRecord() throws IOException {
        Path file = dir.resolve(ResultsLog.FILE_NAME);
        String a = Records.toLine(sample("1"));
        String b = Records.toLine(sample("2"));
        String c = Records.toLine(sample("3"));
        Files.writeString(
                file,
                a + "\n" + "garbage\n" + b + "\n" + "{\"type\":\"mystery\"}\n" + c + "\n" + "{\"type\":\"sam",
                StandardCharsets.UTF_8);
        try (ResultsLog log = ResultsLog.open(dir)) {
            assertEquals(List.of("1", "2", "3"), keys(log.records()));
            assertEquals(12, log.repairedBytes());
            assertEquals(3, log.repairs().size(), log.repairs().toString());
            assertTrue(
                    log.repairs().get(0).contains("torn last line (12 bytes)"),
                    log.repairs().toString());
            assertTrue(
                    log.repairs().get(1).startsWith(file + ":2: "),
                    log.repairs().toString());
            assertTrue(
                    log.repairs().get(2).startsWith(file + ":4: "),
                    log.repairs().toString());
            log.append(sample("4"));
        }
        assertEquals(List.of(a, b, c, Records.toLine(sample("4"))), Files.readAllLines(file, StandardCharsets.UTF_8));
        assertEquals(
                List.of("garbage", "{\"type\":\"mystery\"}"),
                Files.readAllLines(dir.resolve(ResultsLog.UNREADABLE_FILE), StandardCharsets.UTF_8));
        assertEquals(List.of("1", "2", "3", "4"), keys(ResultsLog.read(dir)));
    }

    @Test
    void aCompleteLastRecordWithoutItsNewlineIsKept() throws IOException {
        String a = Records.toLine(sample("1"));
        Files.writeString(dir.resolve(ResultsLog.FILE_NAME), a, StandardCharsets.UTF_8);
        try (ResultsLog log = ResultsLog.open(dir)) {
            assertEquals(List.of("1"), keys(log.records()));
            assertEquals(0, log.repairedBytes());
            log.append(sample("2"));
        }
        assertEquals(List.of("1", "2"), keys(ResultsLog.read(dir)));
    }

    @Test
    void aLockedDirectoryIsRefusedWithItsHolderUntilTheLockIsReleased() throws IOException {
        try (RunLock lock = RunLock.acquire(dir)) {
            String holder = Files.readString(lock.file()).strip();
            assertTrue(
                    holder.startsWith("pid " + ProcessHandle.current().pid() + " on host ")
                            && holder.contains(", started 20"),
                    holder);
            RunLock.RunLockedException e = assertThrows(RunLock.RunLockedException.class, () -> RunLock.acquire(dir));
            assertEquals(
                    dir + " is in use by another run (" + holder
                            + "); wait for it to finish or stop it, then run again",
                    e.getMessage());
            assertEquals(1, e.getMessage().lines().count());
        }
        try (RunLock again = RunLock.acquire(dir)) {
            assertTrue(Files.exists(again.file()));
        }
    }

    private static List<String> keys(List<RunRecord> records) {
        return records.stream().map(r -> ((SampleRecord) r).sample()).toList();
    }
}
