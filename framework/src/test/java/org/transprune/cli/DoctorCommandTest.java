package org.transprune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transprune.model.ComputeDtype;
import org.transprune.model.Natives;
import picocli.CommandLine;

/**
 * {@code doctor} on this (CPU) machine says what runs and why for the micro model; with no natives and
 * offline, the engine's failure to start is one line of advice, never a stack trace.
 */
class DoctorCommandTest {
    private static final Path MICRO = Path.of("../experiments/micro-llava");

    private record Run(int code, String out, String err) {}

    private static Run doctor(String... args) {
        PrintStream old = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        StringWriter err = new StringWriter();
        int code;
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            CommandLine cl = Main.commandLine();
            cl.setErr(new PrintWriter(err, true));
            List<String> a = new ArrayList<>(List.of("doctor"));
            a.addAll(Arrays.asList(args));
            code = cl.execute(a.toArray(String[]::new));
        } finally {
            System.setOut(old);
        }
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString());
    }

    @Test
    void reportsWhatAutoChoosesForTheMicroModelOnThisCpu() {
        Run r = doctor("--model", MICRO.toString(), "--threads", "1");
        assertEquals(0, r.code(), r.err());
        String o = r.out();
        assertTrue(o.contains("DJL 0.36.0, expects libtorch 2.7.1"), o);
        assertTrue(o.contains("natives:   bundled cpu libtorch 2.7.1"), o);
        assertTrue(o.contains("engine:    PyTorch, libtorch 2.7.1"), o);
        assertTrue(o.contains("devices:   cpu (no GPU visible to libtorch)"), o);
        assertTrue(o.contains("--device auto -> cpu (auto: libtorch sees no GPU)"), o);
        assertTrue(o.contains("--dtype auto -> fp32 (auto: fp32 on a CPU"), o);
        assertTrue(o.contains("10 decoder layers, hidden 128; tensors {F16=168}"), o);
        assertTrue(o.contains("--weights auto -> fp32 (auto: fp32 weights"), o);
        assertTrue(o.contains("verdict:   will run on the CPU in fp32"), o);
        assertTrue(Natives.cpuBundled());
    }

    @Test
    void explicitChoicesAreReportedAsRequested() {
        Run r = doctor("--model", MICRO.toString(), "--device", "cpu", "--dtype", "fp16", "--weights", "half");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("--dtype fp16 -> fp16 (fp16 as requested)"), r.out());
        assertTrue(r.out().contains("--weights half -> fp16-resident"), r.out());
        assertTrue(r.out().contains("verdict:   will run on the CPU in fp16"), r.out());
        r = doctor("--device", "gpu");
        assertEquals(1, r.code());
        assertTrue(r.out().contains("--device:  gpu -> refused: --device gpu: no GPU is visible to libtorch"), r.out());
    }

    @Test
    void bf16IsRefusedWithOneClearLine() {
        Run r = doctor("--dtype", "bf16");
        assertEquals(2, r.code());
        assertTrue(r.err().contains(ComputeDtype.BF16_REFUSED), r.err());
    }

    @Test
    void anEngineThatCannotStartEndsInOneLineOfAdvice(@TempDir Path emptyCache) throws Exception {
        // The class path without the CPU natives and an empty DJL cache, offline: nothing to load.
        String cp = Arrays.stream(System.getProperty("java.class.path").split(java.io.File.pathSeparator))
                .filter(e -> !e.contains("pytorch-native"))
                .collect(Collectors.joining(java.io.File.pathSeparator));
        for (String command : List.of("doctor", "generate")) {
            List<String> cmd = new ArrayList<>(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx256m",
                    "-Dai.djl.offline=true",
                    "-cp",
                    cp,
                    "org.transprune.cli.Main",
                    command));
            if (command.equals("generate")) {
                cmd.addAll(List.of("--model", MICRO.toString(), "--prompt", "what?", "--device", "cpu"));
            }
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
            pb.environment().put("ENGINE_CACHE_DIR", emptyCache.toString());
            pb.environment().put("DJL_CACHE_DIR", emptyCache.toString());
            pb.environment().remove("PYTORCH_LIBRARY_PATH");
            pb.environment().remove("TRANSPRUNE_DEBUG");
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(2, TimeUnit.MINUTES));
            String advice = "the engine could not start: no libtorch natives are bundled and DJL cannot download"
                    + " them (offline or no network): build the CPU tool";
            assertTrue(out.contains(advice), out);
            assertFalse(out.contains("\tat ") || out.contains("Exception in thread"), out);
            if (command.equals("generate")) {
                assertEquals(2, p.exitValue(), out);
                assertEquals(1, out.lines().filter(l -> !l.isBlank()).count(), out);
                assertTrue(out.startsWith("error: " + advice), out);
            } else {
                assertEquals(1, p.exitValue(), out);
                assertTrue(out.contains("engine:    NOT STARTED\nverdict:   " + advice), out);
            }
        }
    }
}
