package org.transprune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class FlopsCommandTest {

    private record Result(int exit, String out, String err) {}

    private static Result run(String... args) {
        CommandLine cl = Main.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int exit = cl.execute(args);
        return new Result(exit, out.toString(), err.toString());
    }

    @Test
    void unprunedLlava7bPrints382() {
        Result r = run("flops", "--preset", "llava-1.5-7b");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("d=4096, m=11008, 32 layers, N=576"), r.out());
        String row = r.out()
                .lines()
                .filter(l -> l.startsWith("unpruned"))
                .findFirst()
                .orElseThrow();
        assertTrue(row.matches("unpruned\\s+576\\s+3\\.82\\s+100\\.0%\\s+576\\.00\\s+288\\.00"), row);
    }

    @Test
    void transPruneScheduleRow() {
        Result r = run("flops", "--preset", "llava-1.5-7b", "--layers", "7,9,12", "--ratios", "0.875,0.625,0.125");
        assertEquals(0, r.exit(), r.err());
        String row =
                r.out().lines().filter(l -> l.startsWith("after")).findFirst().orElseThrow();
        // KV: (7*576 + 2*504 + 3*360 + 20*72) token-layers * 16 KiB = 118.125 MiB.
        assertTrue(
                row.matches(
                        "after \\[7, 9, 12]\\s+576 -> 504 -> 360 -> 72\\s+1\\.56\\s+40\\.8%\\s+236\\.25\\s+118\\.13"),
                row);
    }

    @Test
    void pyramidDropWithOfRemaining() {
        Result r = run("flops", "--layers", "8,16,24", "--ratios", "0.5,0.5,0.5", "--of-remaining");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("576 -> 288 -> 144 -> 72"), r.out());
        assertTrue(r.out().contains("1.78"), r.out());
    }

    @Test
    void overridesReplacePresetFields() {
        Result r = run("flops", "--hidden-size", "5120", "--ffn-size", "13824", "--layers-count", "40");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("7.44"), r.out());
    }

    @Test
    void badInputIsOneLineErrorWithExitTwo() {
        Result unknown = run("flops", "--preset", "nope");
        assertEquals(2, unknown.exit());
        assertTrue(unknown.err().contains("known presets: llava-1.5-7b"), unknown.err());
        assertFalse(unknown.err().contains("Exception"), unknown.err());

        Result increasing = run("flops", "--layers", "7,9", "--ratios", "0.5,0.75");
        assertEquals(2, increasing.exit());
        assertTrue(increasing.err().contains("strictly decreasing"), increasing.err());

        Result deep = run("flops", "--layers", "7,40", "--ratios", "0.5,0.25");
        assertEquals(2, deep.exit());
        assertTrue(deep.err().contains("beyond the model's depth"), deep.err());

        Result unpaired = run("flops", "--layers", "7");
        assertEquals(2, unpaired.exit());
        assertTrue(unpaired.err().contains("go together"), unpaired.err());
    }
}
