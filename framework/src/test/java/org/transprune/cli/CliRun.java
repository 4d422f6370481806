package org.transprune.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;

/**
 * One {@code transprune} command run in this JVM, as tests see it: its exit code, what it printed on
 * standard output and what picocli printed as errors.
 */
public record CliRun(int exit, String out, String err) {
    /** Runs {@code transprune args...} with standard output captured (UTF-8). */
    public static CliRun execute(String... args) {
        StringWriter err = new StringWriter();
        PrintStream old = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            CommandLine cl = Main.commandLine();
            cl.setErr(new PrintWriter(err, true));
            return new CliRun(cl.execute(args), out.toString(StandardCharsets.UTF_8), err.toString());
        } finally {
            System.setOut(old);
        }
    }
}
