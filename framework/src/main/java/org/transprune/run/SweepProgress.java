package org.transprune.run;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Progress of a sweep: an overall bar with its ETA and, as the bar's message, the current
 * configuration with its own ETA. On a terminal the bar redraws in place (progressbar); elsewhere
 * (a log file, a Slurm job) a plain line is printed every {@code interval}, so logs stay readable.
 */
public final class SweepProgress implements AutoCloseable {
    private final PrintStream lines;
    private final boolean bar;
    private final Duration interval;
    private ProgressBar progressBar;
    private long total;
    private long done;
    private long configTotal;
    private long configDone;
    private String configName = "";
    private long configStart;
    private long runStart;
    private long lastLine;

    /**
     * @param lines where plain progress lines and summaries go
     * @param bar whether to draw a progress bar (only sensible on a terminal)
     * @param interval time between plain progress lines when there is no bar
     */
    public SweepProgress(PrintStream lines, boolean bar, Duration interval) {
        this.lines = lines;
        this.bar = bar;
        this.interval = interval;
    }

    /** Starts the overall count. */
    public void start(long totalSamples) {
        total = totalSamples;
        runStart = System.nanoTime();
        lastLine = runStart;
        if (bar && total > 0) {
            progressBar = new ProgressBarBuilder()
                    .setTaskName("sweep")
                    .setInitialMax(total)
                    .setStyle(ProgressBarStyle.ASCII)
                    .setUpdateIntervalMillis(500)
                    .continuousUpdate()
                    .setMaxRenderedLength(120)
                    .build();
        }
    }

    /** A configuration starts, with {@code samples} samples to run. */
    public void startConfiguration(String name, long samples) {
        configName = name;
        configTotal = samples;
        configDone = 0;
        configStart = System.nanoTime();
    }

    /** One sample done. */
    public void step() {
        done++;
        configDone++;
        String msg = String.format(
                Locale.ROOT,
                "%s %d/%d, ETA %s",
                configName,
                configDone,
                configTotal,
                eta(configStart, configDone, configTotal));
        if (progressBar != null) {
            progressBar.step();
            progressBar.setExtraMessage(msg);
        } else if (System.nanoTime() - lastLine >= interval.toNanos()) {
            lastLine = System.nanoTime();
            lines.printf(Locale.ROOT, "[%d/%d, ETA %s] %s%n", done, total, eta(runStart, done, total), msg);
        }
    }

    /** Prints a line (a configuration's summary) without breaking the bar. */
    public void println(String line) {
        if (progressBar != null) {
            // progressbar redraws on its own line; starting the message with a return keeps it clean
            lines.print("\r");
        }
        lines.println(line);
    }

    static String eta(long startNanos, long done, long total) {
        if (done == 0) {
            return "?";
        }
        long elapsed = System.nanoTime() - startNanos;
        long seconds = (long) ((double) elapsed / done * (total - done) / 1e9);
        return seconds >= 3600
                ? String.format(Locale.ROOT, "%dh%02dm", seconds / 3600, (seconds / 60) % 60)
                : String.format(Locale.ROOT, "%dm%02ds", seconds / 60, seconds % 60);
    }

    @Override
    public void close() {
        if (progressBar != null) {
            progressBar.close();
            progressBar = null;
        }
    }
}
