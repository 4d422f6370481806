package org.transprune.records;

import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The one-writer lock of a run directory: an exclusive OS lock on {@code DIR/.lock}, which holds the holder's pid, host
 * and start time. It is held until {@link #close} or the end of the process (the OS releases it on {@code kill -9}),
 * so a second {@code run} or {@code merge} on the directory fails at once with {@link RunLockedException}.
 *
 * <p>The JVM releases every lock a process holds on a file when any channel to that file is closed, so the holder
 * never opens {@code .lock} a second time; the data files are never locked.
 */
public final class RunLock implements Closeable {
    public static final String FILE_NAME = ".lock";

    /** Locks held by this process, by lock file: a second acquisition must not open (and then close) the file. */
    private static final Map<Path, String> HELD = new ConcurrentHashMap<>();

    private final Path file;
    private final FileChannel channel;
    private final FileLock lock;

    private RunLock(Path file, FileChannel channel, FileLock lock) {
        this.file = file;
        this.channel = channel;
        this.lock = lock;
    }

    /** Thrown when another process (or another run in this one) holds the directory. */
    public static final class RunLockedException extends IllegalStateException {
        public RunLockedException(String message) {
            super(message);
        }
    }

    /**
     * Takes the lock of {@code dir} (creating the directory), or fails at once.
     *
     * @throws RunLockedException naming the directory and the holder when it is held
     */
    public static RunLock acquire(Path dir) throws IOException {
        Files.createDirectories(dir);
        Path file = dir.toRealPath().resolve(FILE_NAME);
        String holder = String.format(
                "pid %d on host %s, started %s", ProcessHandle.current().pid(), hostName(), Instant.now());
        if (HELD.putIfAbsent(file, holder) != null) {
            throw locked(dir, HELD.get(file));
        }
        FileChannel ch = null;
        try {
            ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = ch.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                ch.close();
                ch = null;
                HELD.remove(file);
                // Another process holds it; this one holds no lock on the file, so reading it is safe.
                throw locked(dir, readHolder(file));
            }
            // Written through the locked channel itself: opening the file again would drop the lock on close.
            ch.truncate(0);
            ByteBuffer buf = ByteBuffer.wrap((holder + "\n").getBytes(StandardCharsets.UTF_8));
            while (buf.hasRemaining()) {
                ch.write(buf, ch.size());
            }
            ch.force(false);
            return new RunLock(file, ch, lock);
        } catch (IOException | RuntimeException e) {
            if (ch != null) {
                ch.close();
                HELD.remove(file);
            }
            throw e;
        }
    }

    private static RunLockedException locked(Path dir, String holder) {
        return new RunLockedException(
                dir + " is in use by another run (" + holder + "); wait for it to finish or stop it, then run again");
    }

    private static String readHolder(Path file) {
        try {
            String s = Files.readString(file, StandardCharsets.UTF_8).strip();
            return s.isEmpty() ? "holder unknown" : s.lines().findFirst().orElse(s);
        } catch (IOException e) {
            return "holder unknown";
        }
    }

    /** The lock file. */
    public Path file() {
        return file;
    }

    @Override
    public void close() {
        try {
            try {
                lock.release();
            } finally {
                channel.close();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot release " + file, e);
        } finally {
            HELD.remove(file);
        }
    }

    /** This machine's name: {@code HOSTNAME}, else the resolver's, else the JVM's; what locks and provenance record. */
    public static String hostName() {
        String env = System.getenv("HOSTNAME");
        if (env != null && !env.isBlank()) {
            return env;
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            String name = ManagementFactory.getRuntimeMXBean().getName();
            return name.contains("@") ? name.substring(name.indexOf('@') + 1) : "unknown";
        }
    }
}
