package org.transprune.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transprune.config.LlavaConfig;
import org.transprune.config.TextConfig;

class RandomCheckpointWriterTest {
    @TempDir
    Path tmp;

    /** The tiny model with a decoder large enough that its matrices span several seed blocks and chunks. */
    static LlavaConfig config() {
        LlavaConfig base = TinyCheckpoints.tinyConfig();
        TextConfig t = base.text();
        TextConfig text = new TextConfig(
                t.hiddenSize(),
                5000,
                2,
                t.numHeads(),
                t.numKeyValueHeads(),
                20000,
                t.rmsNormEps(),
                t.ropeTheta(),
                t.maxPositionEmbeddings(),
                false);
        return new LlavaConfig(
                base.vision(), text, base.projectorType(), base.visionFeatureLayer(), base.visionFeatureSelect(), 4);
    }

    private static byte[] bytes(TensorSource s, String name) {
        ByteBuffer b = s.bytes(name);
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    @Test
    void writesAValidShardedCheckpointWhoseValuesDoNotDependOnTheSplit() throws Exception {
        LlavaConfig config = config();
        Path a = new RandomCheckpointWriter(config)
                .dtype(TensorType.BF16)
                .seed(5)
                .maxShardBytes(1_000_000)
                .write(tmp.resolve("a"), (done, total) -> {});
        Path b = new RandomCheckpointWriter(config)
                .dtype(TensorType.BF16)
                .seed(5)
                .maxShardBytes(100_000_000)
                .write(tmp.resolve("b"), (done, total) -> {});
        Path c = new RandomCheckpointWriter(config)
                .dtype(TensorType.BF16)
                .seed(6)
                .maxShardBytes(100_000_000)
                .write(tmp.resolve("c"), (done, total) -> {});
        try (Checkpoint ca = Checkpoints.open(a);
                Checkpoint cb = Checkpoints.open(b);
                Checkpoint cc = Checkpoints.open(c)) {
            Checkpoints.validate(ca);
            assertEquals(config.text(), ca.config().text());
            assertEquals(4, ca.config().imageTokenId());
            assertTrue(
                    Files.list(a)
                                    .filter(p -> p.toString().endsWith(".safetensors"))
                                    .count()
                            > 2,
                    "several shards");
            assertEquals(
                    1,
                    Files.list(b)
                            .filter(p -> p.toString().endsWith(".safetensors"))
                            .count());
            for (String name : CanonicalNames.shapes(config).keySet()) {
                assertEquals(TensorType.BF16, ca.tensors().info(name).type(), name);
                assertArrayEquals(bytes(ca.tensors(), name), bytes(cb.tensors(), name), name);
            }
            String big = CanonicalNames.EMBED_TOKENS; // 20000 x 64 = 1.28 M values: two seed blocks
            assertNotEquals(
                    ByteBuffer.wrap(bytes(ca.tensors(), big)),
                    ByteBuffer.wrap(bytes(cc.tensors(), big)),
                    "another seed gives other values");
        }
    }

    @Test
    void valuesHaveTheStandardDeviationOfTheUsualInitAndNormsAreNearOne() {
        LlavaConfig config = config();
        RandomCheckpointWriter w =
                new RandomCheckpointWriter(config).dtype(TensorType.F32).seed(1);
        TensorPlan gate = new TensorPlan(
                CanonicalNames.decoderLayer(0) + "mlp.gate_proj.weight", TensorType.F32, new long[] {5000, 64});
        ByteBuffer out = ByteBuffer.allocate(5000 * 64 * 4).order(ByteOrder.LITTLE_ENDIAN);
        w.fill(gate, 0, out.duplicate().order(ByteOrder.LITTLE_ENDIAN));
        double sum = 0;
        double sq = 0;
        float max = 0;
        int n = 5000 * 64;
        for (int i = 0; i < n; i++) {
            float v = out.getFloat(i * 4);
            sum += v;
            sq += v * v;
            max = Math.max(max, Math.abs(v));
        }
        double mean = sum / n;
        double std = Math.sqrt(sq / n - mean * mean);
        assertEquals(0, mean, 2e-4);
        assertEquals(0.02, std, 2e-4);
        assertTrue(max <= 0.02 * Math.sqrt(3) + 1e-6, "uniform within +-a: " + max);

        TensorPlan norm = new TensorPlan(
                CanonicalNames.decoderLayer(0) + "input_layernorm.weight", TensorType.F32, new long[] {64});
        ByteBuffer nb = ByteBuffer.allocate(64 * 4).order(ByteOrder.LITTLE_ENDIAN);
        w.fill(norm, 0, nb.duplicate().order(ByteOrder.LITTLE_ENDIAN));
        for (int i = 0; i < 64; i++) {
            assertEquals(1.0, nb.getFloat(i * 4), 0.035);
        }
    }

    @Test
    void theStreamWriterKeepsTensorsWholeAndInOrderAcrossShards() {
        List<TensorPlan> plans = List.of(
                new TensorPlan("a", TensorType.F32, new long[] {10}),
                new TensorPlan("b", TensorType.F32, new long[] {30}),
                new TensorPlan("c", TensorType.BF16, new long[] {4}));
        SafetensorsStreamWriter w = SafetensorsStreamWriter.sharded(plans, 100);
        assertEquals(
                List.of(
                        "model-00001-of-00003.safetensors",
                        "model-00002-of-00003.safetensors",
                        "model-00003-of-00003.safetensors"),
                w.shards().stream().map(SafetensorsStreamWriter.Shard::fileName).toList());
        assertEquals(40 + 120 + 8, w.dataBytes());
        assertEquals(168, w.index().get("metadata").get("total_size").asLong());
        assertEquals(
                "model-00002-of-00003.safetensors",
                w.index().get("weight_map").get("b").asText());
    }
}
