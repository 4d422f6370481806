package org.transprune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;
import org.transprune.checkpoint.TensorType;
import org.transprune.model.DeviceChoice;
import org.transprune.model.WeightPolicy;
import picocli.CommandLine;

/** picocli converts the engine options; {@code bench} and the model commands share them. */
class EngineOptionsTest {
    private record Parsed(int code, String err) {}

    private static Parsed run(String... args) {
        CommandLine cl = Main.commandLine();
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Parsed(code, err.toString());
    }

    @Test
    void enumsAreConvertedInAnyCase() {
        CommandLine cl = Main.commandLine();
        CommandLine.ParseResult r = cl.parseArgs(
                "generate", "--model", "m", "--prompt", "p", "--weights", "half", "--device", "CUDA", "--threads", "2");
        GenerateCommand g = (GenerateCommand) r.subcommand().commandSpec().userObject();
        assertEquals(WeightPolicy.HALF, g.model.engine.weights);
        assertEquals(DeviceChoice.GPU, g.model.engine.device);
        assertEquals(2, g.model.engine.threads);

        r = Main.commandLine().parseArgs("bench", "--weights", "FP32", "--resident-layers", "3", "--device", "cpu");
        BenchCommand b = (BenchCommand) r.subcommand().commandSpec().userObject();
        assertEquals(WeightPolicy.FP32, b.engine.weights);
        assertEquals(3, b.engine.residentLayers);
        assertEquals(DeviceChoice.CPU, b.engine.device);

        r = Main.commandLine().parseArgs("make-checkpoint", "--preset", "llava-1.5-7b", "--dtype", "fp16", "out");
        assertEquals(
                TensorType.F16,
                ((MakeCheckpointCommand) r.subcommand().commandSpec().userObject()).dtype);
    }

    @Test
    void badValuesAreUsageErrorsNamingTheOption() {
        Parsed p = run("bench", "--device", "tpu");
        assertEquals(2, p.code());
        assertTrue(p.err().contains("--device") && p.err().contains("unknown device 'tpu'"), p.err());
        p = run("generate", "--model", "m", "--prompt", "p", "--weights", "int4");
        assertEquals(2, p.code());
        assertTrue(p.err().contains("--weights") && p.err().contains("int4"), p.err());
        p = run("make-checkpoint", "--preset", "llava-1.5-7b", "--dtype", "int8", "--dry-run", "out");
        assertEquals(2, p.code());
        assertTrue(p.err().contains("--dtype") && p.err().contains("must be bf16, fp16 or fp32"), p.err());
    }

    @Test
    void threadsBelowOneAreRefused() {
        ModelOptions.Engine e = new ModelOptions.Engine();
        e.threads = 0;
        UserError u = Assertions.assertThrows(UserError.class, e::applyThreads);
        assertEquals("--threads must be at least 1, got 0", u.getMessage());
    }
}
