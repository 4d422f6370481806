package org.transprune.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transprune.model.ComputeDtype;
import org.transprune.pipeline.TinyCheckpointDirs;
import org.transprune.synth.Split;
import org.transprune.synth.SynthDataset;

/**
 * {@code model.dtype}: parsed into the pipeline options, bf16 refused at its line, and fp16 (known from the
 * file) changes the configuration hash while fp32 keeps the hash of a file without the key.
 */
class ModelDtypeTest {
    @TempDir
    static Path shared;

    private static Path ckpt;
    private static Path data;

    @BeforeAll
    static void fixtures() throws IOException {
        ckpt = TinyCheckpointDirs.write(shared.resolve("ckpt"));
        data = shared.resolve("synth");
        SynthDataset.write(data, 7, 1, 2, Split.TEST);
    }

    private static SweepPlan parse(String name, String modelExtra) throws IOException {
        Path f = shared.resolve(name + ".yaml");
        Files.writeString(
                f,
                String.join(
                        "\n",
                        "model: {path: " + ckpt + modelExtra + "}",
                        "benchmarks: [{name: synth, root: " + data + "}]",
                        "strategies: [test-unpruned]",
                        ""));
        return ExperimentParser.parse(f, ExperimentParser.Mode.DRY_RUN);
    }

    private static String hash(SweepPlan p) {
        return p.configurations().get(0).hash();
    }

    @Test
    void dtypeReachesThePipelineAndFp16ChangesTheHash() throws IOException {
        SweepPlan none = parse("none", "");
        SweepPlan fp32 = parse("fp32", ", dtype: fp32");
        SweepPlan cpuAuto = parse("cpu-auto", ", device: cpu, dtype: auto");
        SweepPlan fp16 = parse("fp16", ", dtype: fp16");
        SweepPlan gpuAuto = parse("gpu-auto", ", device: gpu");
        assertEquals(ComputeDtype.AUTO, none.model().pipelineOptions().dtype());
        assertEquals(ComputeDtype.FP16, fp16.model().pipelineOptions().dtype());
        assertEquals(ComputeDtype.FP32, fp32.model().pipelineOptions().dtype());
        assertEquals(hash(none), hash(fp32));
        assertEquals(hash(none), hash(cpuAuto));
        assertNotEquals(hash(none), hash(fp16));
        assertEquals(hash(fp16), hash(gpuAuto), "auto on a GPU is fp16");
        assertEquals("fp16", fp16.model().identity().get("dtype"));
    }

    @Test
    void bf16AndUnknownDtypesAreProblemsAtTheirKey() {
        for (String bad : List.of("bf16", "int8")) {
            ExperimentException e =
                    assertThrows(ExperimentException.class, () -> parse("bad-" + bad, ", dtype: " + bad));
            ExperimentProblem p = e.problems().stream()
                    .filter(x -> x.key().equals("model.dtype"))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError(e.problems().toString()));
            assertTrue(
                    bad.equals("bf16")
                            ? p.message().equals(ComputeDtype.BF16_REFUSED)
                            : p.message().contains("unknown dtype 'int8'"),
                    p.message());
        }
    }
}
