package org.transprune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SynthCommandTest {
    @TempDir
    Path tmp;

    @Test
    void writesADatasetThroughTheToolAndRejectsBadArguments() throws Exception {
        Path out = tmp.resolve("synth");
        int code = Main.commandLine()
                .execute(
                        "synth",
                        "--out",
                        out.toString(),
                        "--seed",
                        "3",
                        "--images",
                        "4",
                        "--questions-per-image",
                        "2",
                        "--suffix",
                        "");
        assertEquals(0, code);
        assertEquals(8, Files.readAllLines(out.resolve("questions.jsonl")).size());
        assertTrue(Files.readString(out.resolve("questions.jsonl")).contains("\"text\":\"is "));
        assertTrue(!Files.readString(out.resolve("questions.jsonl")).contains("Answer the question"), "empty suffix");
        assertEquals(4, Files.list(out.resolve("images")).count());

        StringWriter err = new StringWriter();
        var cl = Main.commandLine();
        cl.setErr(new PrintWriter(err));
        assertEquals(2, cl.execute("synth", "--out", out.toString(), "--images", "1"));
        assertTrue(err.toString().contains("not empty"), err.toString());
        assertEquals(2, cl.execute("synth", "--out", tmp.resolve("x").toString(), "--split", "dev"));
    }
}
