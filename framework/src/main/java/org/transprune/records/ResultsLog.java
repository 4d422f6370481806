package org.transprune.records;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The run directory's append-only JSON-lines file of records.
 *
 * <p>Crash safety: each record is one whole line appended ({@code APPEND} mode) with a single write and forced to disk
 * before the next sample starts, so a process killed at any moment (kill -9 included) leaves at most one torn last
 * line. {@link #open} cuts such a tail off (its sample is then run again) and moves any other line that is not a JSON
 * record of the schema ({@link Records}) to {@value #UNREADABLE_FILE}, reporting it with its file and line; no readable line is ever dropped. The
 * caller holds the directory's {@link RunLock}, so nobody else writes meanwhile.
 */
public final class ResultsLog implements Closeable {
    public static final String FILE_NAME = "results.jsonl";
    /** Where unreadable lines found at open are moved to (appended, with their line numbers). */
    public static final String UNREADABLE_FILE = "results.unreadable.jsonl";

    private final Path file;
    private final FileChannel channel;
    private final List<RunRecord> records;
    private final long repairedBytes;
    private final List<String> repairs;

    private ResultsLog(
            Path file, FileChannel channel, List<RunRecord> records, long repairedBytes, List<String> repairs) {
        this.file = file;
        this.channel = channel;
        this.records = records;
        this.repairedBytes = repairedBytes;
        this.repairs = repairs;
    }

    /**
     * Opens (creating) {@code dir/results.jsonl} for appending, after cutting off a torn last line and moving unreadable
     * lines aside, and reads the records already there. The caller must hold {@code dir}'s {@link RunLock}.
     */
    public static ResultsLog open(Path dir) throws IOException {
        Files.createDirectories(dir);
        Path file = dir.resolve(FILE_NAME);
        List<String> repairs = new ArrayList<>();
        long cut = 0;
        List<RunRecord> records = new ArrayList<>();
        if (Files.exists(file)) {
            byte[] bytes = Files.readAllBytes(file);
            int end = bytes.length;
            while (end > 0 && bytes[end - 1] != '\n') {
                end--;
            }
            String tail = new String(bytes, end, bytes.length - end, StandardCharsets.UTF_8);
            boolean tailIsRecord = !tail.isBlank() && parseRecord(tail) != null;
            String complete = new String(bytes, 0, end, StandardCharsets.UTF_8) + (tailIsRecord ? tail + "\n" : "");
            if (!tailIsRecord && end < bytes.length) {
                // A torn line: the process died inside the write of this record; its sample is run again.
                cut = bytes.length - end;
                repairs.add(String.format(
                        "repaired %s: removed a torn last line (%d bytes) left by an interrupted run", file, cut));
            }
            List<String> kept = new ArrayList<>();
            StringBuilder unreadable = new StringBuilder();
            String[] lines = complete.split("\n", -1);
            for (int i = 0; i < lines.length - 1; i++) {
                String line = lines[i];
                if (line.isBlank()) {
                    continue;
                }
                RunRecord o = parseRecord(line);
                if (o == null) {
                    repairs.add(file + ":" + (i + 1) + ": not a record of this schema; moved to " + UNREADABLE_FILE
                            + ", its work is done again");
                    unreadable.append(line).append('\n');
                } else {
                    records.add(o);
                    kept.add(line);
                }
            }
            if (!unreadable.isEmpty()) {
                Files.writeString(
                        dir.resolve(UNREADABLE_FILE),
                        unreadable,
                        StandardCharsets.UTF_8,
                        StandardOpenOption.CREATE,
                        StandardOpenOption.WRITE,
                        StandardOpenOption.APPEND);
            }
            if (cut > 0 || tailIsRecord || !unreadable.isEmpty()) {
                // Rewritten once, atomically, with every readable line in its order.
                Path tmp = dir.resolve(FILE_NAME + ".tmp");
                StringBuilder sb = new StringBuilder();
                kept.forEach(l -> sb.append(l).append('\n'));
                try (FileChannel t = FileChannel.open(
                        tmp,
                        StandardOpenOption.CREATE,
                        StandardOpenOption.WRITE,
                        StandardOpenOption.TRUNCATE_EXISTING)) {
                    writeFully(t, sb.toString().getBytes(StandardCharsets.UTF_8));
                    t.force(true);
                }
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            }
        }
        FileChannel ch =
                FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        return new ResultsLog(file, ch, records, cut, List.copyOf(repairs));
    }

    /**
     * Reads the complete records of {@code dir/results.jsonl} without opening it for writing: a torn last line (of a
     * run still going, or killed) and unreadable lines are left out; empty when there is no file.
     */
    public static List<RunRecord> read(Path dir) throws IOException {
        Path file = dir.resolve(FILE_NAME);
        List<RunRecord> out = new ArrayList<>();
        if (!Files.isRegularFile(file)) {
            return out;
        }
        for (String line : Files.readString(file, StandardCharsets.UTF_8).split("\n")) {
            if (!line.isBlank()) {
                RunRecord o = parseRecord(line);
                if (o != null) {
                    out.add(o);
                }
            }
        }
        return out;
    }

    /** The record a line holds, or null when it is not JSON or not a record of this schema. */
    private static RunRecord parseRecord(String line) {
        try {
            JsonNode n = Records.MAPPER.readTree(line);
            return n instanceof ObjectNode o ? Records.parse(o) : null;
        } catch (IOException | IllegalArgumentException e) {
            return null;
        }
    }

    private static void writeFully(FileChannel ch, byte[] bytes) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
    }

    public Path file() {
        return file;
    }

    /** Records read at open plus those appended since, in file order. */
    public List<RunRecord> records() {
        return records;
    }

    /** Bytes of a torn last line removed at open (0 when the file ended cleanly). */
    public long repairedBytes() {
        return repairedBytes;
    }

    /** One line per repair made at open (torn tail, unreadable lines with file:line); empty when none. */
    public List<String> repairs() {
        return repairs;
    }

    /** Appends {@code record} as one whole line and forces it to disk. */
    public synchronized void append(RunRecord record) {
        try {
            writeFully(channel, (Records.toLine(record) + "\n").getBytes(StandardCharsets.UTF_8));
            channel.force(false);
            records.add(record);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to " + file, e);
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
