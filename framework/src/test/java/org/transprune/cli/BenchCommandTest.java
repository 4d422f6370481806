package org.transprune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transprune.checkpoint.TensorType;
import org.transprune.pipeline.TinyCheckpointDirs;

class BenchCommandTest {
    @TempDir
    Path tmp;

    @Test
    void timesACheckpointUnprunedAndUnderTheTransPruneSchedule() {
        Path dir = TinyCheckpointDirs.write(tmp.resolve("ckpt"), 13, TensorType.BF16, 1);
        PrintStream old = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int code;
        try {
            System.setOut(new PrintStream(out, true));
            code = Main.commandLine()
                    .execute(
                            "bench",
                            "--model",
                            dir.toString(),
                            "--weights",
                            "half",
                            "--repeats",
                            "1",
                            "--warmup",
                            "0",
                            "--new-tokens",
                            "3");
        } finally {
            System.setOut(old);
        }
        String text = out.toString();
        assertEquals(0, code, text);
        assertTrue(text.contains("decoder weights HALF"), text);
        assertTrue(text.contains("unpruned: image"), text);
        // 16 image tokens under 7/9/12 keeping 87.5/62.5/12.5%: 14, 10, 2
        assertTrue(
                text.matches(
                        "(?s).*transprune-schedule \\(random pick\\): image.*tokens per layer \\[\\d+ x7, \\d+ x2, \\d+ x3, \\d+ x1\\].*"),
                text);
        assertTrue(text.contains("prefill speedup"), text);
        assertTrue(text.contains("peak RSS (VmHWM)"), text);
        assertTrue(text.contains("widened layers: peak 1 alive at once, 1 buffer set(s) allocated"), text);
    }
}
