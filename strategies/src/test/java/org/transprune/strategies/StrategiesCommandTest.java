package org.transprune.strategies;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import org.transprune.cli.Main;
import org.transprune.prune.Strategies;
import picocli.CommandLine;

/** {@code transprune strategies} with the real strategies on the class path. */
class StrategiesCommandTest {

    private record Result(int exit, String out, String err) {}

    private static Result run(String... args) {
        CommandLine cl = Main.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        return new Result(cl.execute(args), out.toString(), err.toString());
    }

    @Test
    void listsEveryRegisteredStrategyWithItsParameters() {
        Result r = run("strategies");
        assertEquals(0, r.exit(), r.err());
        for (String name : Strategies.names()) {
            assertTrue(r.out().lines().anyMatch(l -> l.startsWith(name + " - ")), name + " missing:\n" + r.out());
        }
        assertTrue(r.out().contains("none - no pruning"), r.out());
        assertTrue(r.out().contains("(no parameters)"), r.out());
    }

    @Test
    void showsTypesAndDefaultsOfOneStrategy() {
        Result r = run("strategies", "transprune");
        assertEquals(0, r.exit(), r.err());
        assertFalse(r.out().contains("fastv"), r.out());
        assertTrue(
                r.out()
                        .lines()
                        .anyMatch(l -> l.matches("\\s+layers\\s+a list of integers\\s+default \\[7, 9, 12]\\s+.*")),
                r.out());
        assertTrue(
                r.out()
                        .lines()
                        .anyMatch(l ->
                                l.matches("\\s+ratios\\s+a list of numbers\\s+default \\[0.875, 0.625, 0.125]\\s+.*")),
                r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.matches("\\s+alpha\\s+a number\\s+default 0.5\\s+.*")), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.matches("\\s+cosine\\s+a string\\s+default signed\\s+.*")), r.out());
    }

    @Test
    void anUnknownNameIsAUserError() {
        Result r = run("strategies", "fastvv");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("unknown strategy 'fastvv'") && r.err().contains("fastv"), r.err());
    }
}
