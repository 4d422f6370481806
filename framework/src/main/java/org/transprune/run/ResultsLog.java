package org.transprune.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.transprune.bench.JsonLines;

/**
 * The run directory's append-only JSON-lines file of records.
 *
 * <p>Crash safety: each record is one line written with a single {@code write} of the whole line
 * and forced to disk before the next sample starts, so a process killed at any moment (kill -9
 * included) leaves at most one torn last line. {@link #open} cuts such a tail off before
 * appending; a complete line is never touched. A lock on the file keeps two processes from
 * appending to the same run.
 */
public final class ResultsLog implements Closeable {
    public static final String FILE_NAME = "results.jsonl";

    private final Path file;
    private final FileChannel channel;
    private final FileLock lock;
    private final List<ObjectNode> records;
    private final long repairedBytes;

    private ResultsLog(Path file, FileChannel channel, FileLock lock, List<ObjectNode> records, long repairedBytes) {
        this.file = file;
        this.channel = channel;
        this.lock = lock;
        this.records = records;
        this.repairedBytes = repairedBytes;
    }

    /**
     * Opens (creating) {@code dir/results.jsonl} for appending, after cutting off a torn last
     * line, and reads the records already there.
     *
     * @throws IllegalStateException when another process holds the run, or a complete line in the
     *     middle of the file is not JSON (which no crash can produce)
     */
    public static ResultsLog open(Path dir) throws IOException {
        Files.createDirectories(dir);
        Path file = dir.resolve(FILE_NAME);
        FileChannel ch =
                FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        try {
            FileLock lock = ch.tryLock();
            if (lock == null) {
                throw new IllegalStateException("another process is writing to " + file + "; wait for it or stop it");
            }
            byte[] bytes = Files.readAllBytes(file);
            int end = bytes.length;
            while (end > 0 && bytes[end - 1] != '\n') {
                end--;
            }
            long cut = bytes.length - end;
            if (cut > 0) {
                // A torn line: the process died inside the write of this record; its sample is redone.
                ch.truncate(end);
                ch.force(true);
            }
            List<ObjectNode> records = parse(file, new String(bytes, 0, end, StandardCharsets.UTF_8), false);
            ch.position(end);
            return new ResultsLog(file, ch, lock, records, cut);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /**
     * Reads the complete records of {@code dir/results.jsonl} without opening it for writing (a
     * torn last line, from a run still going or killed, is ignored); empty when there is no file.
     */
    public static List<ObjectNode> read(Path dir) throws IOException {
        Path file = dir.resolve(FILE_NAME);
        if (!Files.isRegularFile(file)) {
            return new ArrayList<>();
        }
        return parse(file, Files.readString(file, StandardCharsets.UTF_8), true);
    }

    private static List<ObjectNode> parse(Path file, String text, boolean ignoreTail) throws IOException {
        List<ObjectNode> out = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        int complete = text.endsWith("\n") || text.isEmpty() ? lines.length - 1 : lines.length - (ignoreTail ? 1 : 0);
        for (int i = 0; i < complete; i++) {
            if (lines[i].isBlank()) {
                continue;
            }
            JsonNode n;
            try {
                n = JsonLines.MAPPER.readTree(lines[i]);
            } catch (IOException e) {
                throw new IllegalStateException(file + ":" + (i + 1) + ": not a JSON record (" + e.getMessage()
                        + "); this file is only ever appended whole lines, so it was edited or damaged");
            }
            if (n instanceof ObjectNode o) {
                out.add(o);
            }
        }
        return out;
    }

    public Path file() {
        return file;
    }

    /** Records read at open plus those appended since, in file order. */
    public List<ObjectNode> records() {
        return records;
    }

    /** Bytes of a torn last line removed at open (0 when the file ended cleanly). */
    public long repairedBytes() {
        return repairedBytes;
    }

    /** Appends {@code record} as one line and forces it to disk. */
    public synchronized void append(ObjectNode record) {
        try {
            byte[] line = (JsonLines.MAPPER.writeValueAsString(record) + "\n").getBytes(StandardCharsets.UTF_8);
            ByteBuffer buf = ByteBuffer.wrap(line);
            while (buf.hasRemaining()) {
                channel.write(buf);
            }
            channel.force(false);
            records.add(record);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to " + file, e);
        }
    }

    @Override
    public void close() throws IOException {
        try {
            lock.release();
        } finally {
            channel.close();
        }
    }
}
