package org.transprune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transprune.pipeline.TinyCheckpointDirs;
import picocli.CommandLine;

class GenerateCommandTest {
    @TempDir
    Path tmp;

    private record Run(int exit, String out, String err) {}

    private static Run run(String... args) {
        StringWriter err = new StringWriter();
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream errStream = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true));
            System.setErr(new PrintStream(errStream, true));
            CommandLine cl = Main.commandLine();
            cl.setErr(new PrintWriter(err, true));
            int code = cl.execute(args);
            return new Run(code, out.toString(), err + errStream.toString());
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    @Test
    void generatesAndReportsTimingsAndTokensPerLayer() throws Exception {
        Path dir = TinyCheckpointDirs.write(tmp.resolve("ckpt"));
        Path image = tmp.resolve("img.png");
        ImageIO.write(new BufferedImage(40, 30, BufferedImage.TYPE_INT_RGB), "png", image.toFile());
        Run r = run(
                "generate",
                "--model",
                dir.toString(),
                "--device",
                "cpu",
                "--image",
                image.toString(),
                "--prompt",
                "how many shapes ?",
                "--max-new-tokens",
                "3");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.err().contains("prefill"), r.err());
        assertTrue(r.err().contains("tokens per layer ["), r.err());
        assertEquals(1, r.out().lines().count(), "one answer line: " + r.out());
    }

    @Test
    void anUnreadableImageIsOneLineNamingTheFile() throws Exception {
        Path dir = TinyCheckpointDirs.write(tmp.resolve("ckpt"));
        Path bad = tmp.resolve("broken.png");
        Files.writeString(bad, "not an image");
        Run r = run("generate", "--model", dir.toString(), "--image", bad.toString(), "--prompt", "hi");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("broken.png"), r.err());
        assertTrue(!r.err().contains("\tat "), "no stack trace: " + r.err());
    }

    @Test
    void aMissingCheckpointIsReportedWithoutAStackTrace() {
        Run r = run("generate", "--model", tmp.resolve("nowhere").toString(), "--prompt", "hi");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("nowhere"), r.err());
        assertTrue(!r.err().contains("\tat "), r.err());
    }
}
