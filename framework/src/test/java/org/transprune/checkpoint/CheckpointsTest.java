package org.transprune.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transprune.config.LlavaConfig;
import org.transprune.config.VisionConfig;

class CheckpointsTest {
    @TempDir
    Path tmp;

    private static final LlavaConfig TINY = TinyCheckpoints.tinyConfig();

    /** The same configuration as it comes back from an original LLaVA config, which has no image token id. */
    private static LlavaConfig withoutImageToken(LlavaConfig c) {
        return new LlavaConfig(
                c.vision(), c.text(), c.projectorType(), c.visionFeatureLayer(), c.visionFeatureSelect(), -1);
    }

    /** Asserts both sources hold the same canonical tensors, byte for byte, and that they match the seed. */
    private static void assertSameTensors(Checkpoint expected, Checkpoint actual) {
        assertEquals(expected.tensors().names(), actual.tensors().names(), "canonical names");
        for (String name : expected.tensors().names()) {
            TensorInfo a = expected.tensors().info(name);
            TensorInfo b = actual.tensors().info(name);
            assertEquals(a.type(), b.type(), name);
            assertEquals(a.shapeString(), b.shapeString(), name);
            assertEquals(expected.tensors().bytes(name), actual.tensors().bytes(name), name);
        }
    }

    private static void assertHoldsSeededWeights(Checkpoint c, long seed, TensorType type) {
        Map<String, float[]> weights = TinyCheckpoints.randomWeights(c.config(), seed);
        assertEquals(weights.keySet(), c.tensors().names());
        for (Map.Entry<String, float[]> e : weights.entrySet()) {
            assertEquals(type, c.tensors().info(e.getKey()).type());
            SafetensorsFileTest.assertStored(e.getValue(), type, c.tensors().bytes(e.getKey()));
        }
    }

    @Test
    void llavaHfSingleFileRoundTrips() throws IOException {
        Path dir = TinyCheckpoints.builder(TINY).dtype(TensorType.BF16).seed(5).writeLlavaHf(tmp.resolve("hf"));
        try (Checkpoint c = Checkpoints.open(dir)) {
            assertEquals(TINY, c.config());
            assertEquals(Checkpoint.LLAVA_HF, c.layout());
            assertFalse(c.tokenizerJson().isPresent());
            Checkpoints.validate(c);
            assertHoldsSeededWeights(c, 5, TensorType.BF16);
        }
    }

    @Test
    void allLayoutsGiveTheSameConfigAndTensors() throws IOException {
        Path classic =
                TinyCheckpoints.builder(TINY).dtype(TensorType.F16).seed(9).writeLlavaHf(tmp.resolve("classic"));
        Path sharded = TinyCheckpoints.builder(TINY)
                .dtype(TensorType.F16)
                .seed(9)
                .maxShardBytes(20_000)
                .newNames(true)
                .writeLlavaHf(tmp.resolve("sharded"));
        Path original = TinyCheckpoints.builder(TINY)
                .dtype(TensorType.F16)
                .seed(9)
                .writeOriginal(tmp.resolve("llava"), tmp.resolve("clip"));
        assertTrue(Files.exists(sharded.resolve(SafetensorsWriter.INDEX_FILE)));
        try (Checkpoint a = Checkpoints.open(classic);
                Checkpoint b = Checkpoints.open(sharded);
                Checkpoint c = Checkpoints.open(original)) {
            try (TensorSource stored = Checkpoints.weights(b.directory())) {
                assertTrue(((ShardedSafetensors) stored)
                                .weightMap().values().stream().distinct().count()
                        > 2);
            }
            assertEquals(a.config(), b.config());
            assertEquals(withoutImageToken(a.config()), c.config());
            assertEquals(Checkpoint.LLAVA_ORIGINAL, c.layout());
            for (Checkpoint x : List.of(a, b, c)) {
                Checkpoints.validate(x);
            }
            assertSameTensors(a, b);
            assertSameTensors(a, c);
            assertHoldsSeededWeights(c, 9, TensorType.F16);
        }
    }

    @Test
    void originalLlavaFindsItsTowerBySiblingNameOrOverride() throws IOException {
        LlavaConfig linear = new LlavaConfig(TINY.vision(), TINY.text(), "linear", -1, "full", 99);
        Path clip = tmp.resolve("clip-vit-tiny");
        Path dir = TinyCheckpoints.builder(linear)
                .towerName("openai/clip-vit-tiny")
                .seed(2)
                .writeOriginal(tmp.resolve("llava"), clip);
        try (Checkpoint c = Checkpoints.open(dir)) {
            assertEquals(withoutImageToken(linear), c.config());
            assertFalse(c.tensors().contains(CanonicalNames.PROJECTOR_2 + "weight"));
            Checkpoints.validate(c);
            assertHoldsSeededWeights(c, 2, TensorType.F32);
        }
        Path moved = tmp.resolve("elsewhere/tower");
        Files.createDirectories(moved.getParent());
        Files.move(clip, moved);
        CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoints.open(dir));
        assertTrue(
                e.getMessage().contains("openai/clip-vit-tiny")
                        && e.getMessage().contains("--vision-tower")
                        && e.getMessage().contains(tmp.resolve("clip-vit-tiny").toString()),
                e.getMessage());
        try (Checkpoint c = Checkpoints.open(dir, moved)) {
            Checkpoints.validate(c);
        }
        e = assertThrows(CheckpointException.class, () -> Checkpoints.open(dir, tmp.resolve("nope")));
        assertTrue(e.getMessage().contains("nope"), e.getMessage());
    }

    @Test
    void originalLlavaWithEmbeddedTowerNeedsNoClipDir() throws IOException {
        // A 64-wide tower with 64-wide heads, so its shape can be inferred without a CLIP config.
        LlavaConfig c64 = new LlavaConfig(
                new VisionConfig(64, 128, 2, 1, 56, 14, 1e-5, "quick_gelu"),
                TINY.text(),
                "mlp2x_gelu",
                -2,
                "default",
                99);
        Path dir = TinyCheckpoints.builder(c64)
                .embedTower(true)
                .towerName("openai/absent")
                .writeOriginal(tmp.resolve("llava"), tmp.resolve("clip"));
        try (Checkpoint c = Checkpoints.open(dir)) {
            assertEquals(withoutImageToken(c64), c.config());
            Checkpoints.validate(c);
            assertHoldsSeededWeights(c, 0, TensorType.F32);
        }
    }

    @Test
    void validationListsEveryMissingTensorAndShapeMismatch() throws IOException {
        Path dir = tmp.resolve("bad");
        SafetensorsWriter w = new SafetensorsWriter();
        Map<String, long[]> shapes = CanonicalNames.shapes(TINY);
        TinyCheckpoints.randomWeights(TINY, 1).forEach((name, v) -> {
            if (name.equals(CanonicalNames.FINAL_NORM)) {
                return;
            }
            if (name.equals(CanonicalNames.decoderLayer(2) + "self_attn.k_proj.weight")) {
                w.add(name, v, TensorType.F32, 64, 32); // transposed
                return;
            }
            w.add(name, v, TensorType.F32, shapes.get(name));
        });
        w.write(dir.resolve("model.safetensors"));
        Files.write(dir.resolve("config.json"), SafetensorsWriter.prettyJson(ConfigJson.llavaHfJson(TINY)));
        try (Checkpoint c = Checkpoints.open(dir)) {
            CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoints.validate(c));
            assertTrue(e.getMessage().contains("missing " + CanonicalNames.FINAL_NORM + " [64]"), e.getMessage());
            assertTrue(
                    e.getMessage()
                            .contains("language_model.model.layers.2.self_attn.k_proj.weight: expected shape "
                                    + "[32, 64], found [64, 32]"),
                    e.getMessage());
            assertTrue(e.getMessage().contains("2 problem(s)"), e.getMessage());
        }
    }

    @Test
    void optionalTowerTensorsMayBeAbsent() throws IOException {
        Path dir = TinyCheckpoints.builder(TINY).writeLlavaHf(tmp.resolve("hf"));
        // Keep only what the engine runs: block 0 of the 2-block tower (feature layer -2), no post-LayerNorm.
        Path pruned = tmp.resolve("pruned");
        SafetensorsWriter w = new SafetensorsWriter();
        try (SafetensorsFile f = SafetensorsFile.open(dir.resolve("model.safetensors"))) {
            for (String n : f.names()) {
                if (!n.startsWith(CanonicalNames.POST_LAYERNORM) && !n.startsWith(CanonicalNames.visionLayer(1))) {
                    w.addRaw(n, f.info(n).type(), f.info(n).shape(), f.bytes(n));
                }
            }
            w.write(pruned.resolve("model.safetensors"));
        }
        Files.copy(dir.resolve("config.json"), pruned.resolve("config.json"));
        try (Checkpoint c = Checkpoints.open(pruned)) {
            Checkpoints.validate(c);
        }
    }

    @Test
    void missingShardIsNamed() throws IOException {
        Path dir = TinyCheckpoints.builder(TINY).maxShardBytes(30_000).writeLlavaHf(tmp.resolve("s"));
        Path shard = dir.resolve("model-00002-of-" + String.format("%05d", countShards(dir)) + ".safetensors");
        Files.delete(shard);
        CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoints.open(dir));
        assertTrue(
                e.getMessage().contains(shard.getFileName().toString())
                        && e.getMessage().contains(SafetensorsWriter.INDEX_FILE),
                e.getMessage());
    }

    private static long countShards(Path dir) throws IOException {
        try (var s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().startsWith("model-"))
                    .count();
        }
    }

    @Test
    void tensorListedInIndexButAbsentFromShardIsNamed() throws IOException {
        Path dir = tmp.resolve("idx");
        new SafetensorsWriter()
                .add("a", new float[] {1, 2}, TensorType.F32, 2)
                .add("b", new float[] {3}, TensorType.F32, 1)
                .writeSharded(dir, 8);
        String index = Files.readString(dir.resolve(SafetensorsWriter.INDEX_FILE));
        assertTrue(index.contains("\"total_size\" : 12"), index);
        Files.writeString(
                dir.resolve(SafetensorsWriter.INDEX_FILE),
                index.replace(
                        "\"b\" : \"model-00002-of-00002.safetensors\"",
                        "\"b\" : \"model-00001-of-00002.safetensors\""));
        try (ShardedSafetensors s = ShardedSafetensors.open(dir.resolve(SafetensorsWriter.INDEX_FILE))) {
            assertEquals(1f, s.bytes("a").getFloat(0));
            MissingTensorException e = assertThrows(MissingTensorException.class, () -> s.info("b"));
            assertTrue(
                    e.getMessage().contains("'b'") && e.getMessage().contains("model-00001-of-00002.safetensors"),
                    e.getMessage());
            e = assertThrows(MissingTensorException.class, () -> s.info("c"));
            assertTrue(e.getMessage().contains("'c'") && e.getMessage().contains(SafetensorsWriter.INDEX_FILE));
        }
    }

    @Test
    void shardedReadsBitExactInEveryType() throws IOException {
        for (TensorType t : List.of(TensorType.F32, TensorType.F16, TensorType.BF16)) {
            Path dir = tmp.resolve("sh-" + t);
            float[] a = SafetensorsFileTest.values(500, 1);
            float[] b = SafetensorsFileTest.values(300, 2);
            List<Path> shards = new SafetensorsWriter()
                    .add("a", a, t, 500)
                    .add("b", b, t, 3, 100)
                    .writeSharded(dir, 600);
            assertEquals(2, shards.size());
            try (ShardedSafetensors s = ShardedSafetensors.open(dir.resolve(SafetensorsWriter.INDEX_FILE))) {
                SafetensorsFileTest.assertStored(a, t, s.bytes("a"));
                SafetensorsFileTest.assertStored(b, t, s.bytes("b"));
            }
        }
    }

    @Test
    void explainsWhatIsWrongWithADirectory() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("d"));
        CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoints.open(dir));
        assertTrue(e.getMessage().contains("no config.json"), e.getMessage());

        Files.writeString(
                dir.resolve("config.json"), "{\"architectures\": [\"LlavaOnevisionForConditionalGeneration\"]}");
        e = assertThrows(CheckpointException.class, () -> Checkpoints.open(dir));
        assertTrue(
                e.getMessage().contains("unknown architecture 'LlavaOnevisionForConditionalGeneration'"),
                e.getMessage());

        Files.write(dir.resolve("config.json"), SafetensorsWriter.prettyJson(ConfigJson.llavaHfJson(TINY)));
        Files.write(dir.resolve("pytorch_model.bin"), new byte[] {1});
        e = assertThrows(CheckpointException.class, () -> Checkpoints.open(dir));
        assertTrue(
                e.getMessage().contains("no .safetensors")
                        && e.getMessage().contains("pytorch_model.bin")
                        && e.getMessage().contains("not supported"),
                e.getMessage());

        Files.write(
                dir.resolve("config.json"),
                SafetensorsWriter.prettyJson(
                        ConfigJson.originalLlavaJson(TINY, "x").without("mm_vision_select_layer")));
        e = assertThrows(CheckpointException.class, () -> Checkpoints.open(dir));
        assertTrue(
                e.getMessage().contains("'mm_vision_select_layer'")
                        && e.getMessage().contains("config.json"),
                e.getMessage());

        Files.writeString(
                dir.resolve("config.json"),
                "{\"architectures\": [\"LlavaForConditionalGeneration\"], "
                        + "\"text_config\": {\"hidden_size\": \"big\"}}");
        e = assertThrows(CheckpointException.class, () -> Checkpoints.open(dir));
        assertTrue(e.getMessage().contains("'hidden_size'"), e.getMessage());
    }

    @Test
    void severalUnindexedFilesAreMerged() throws IOException {
        Path dir = TinyCheckpoints.builder(TINY).seed(4).writeLlavaHf(tmp.resolve("one"));
        Path split = Files.createDirectories(tmp.resolve("split"));
        try (SafetensorsFile f = SafetensorsFile.open(dir.resolve("model.safetensors"))) {
            SafetensorsWriter vision = new SafetensorsWriter();
            SafetensorsWriter rest = new SafetensorsWriter();
            for (String n : f.names()) {
                ByteBuffer copy = ByteBuffer.allocate(f.bytes(n).remaining())
                        .put(f.bytes(n))
                        .flip();
                (n.startsWith("vision_tower.") ? vision : rest)
                        .addRaw(n, f.info(n).type(), f.info(n).shape(), copy);
            }
            vision.write(split.resolve("vision.safetensors"));
            rest.write(split.resolve("text.safetensors"));
        }
        Files.copy(dir.resolve("config.json"), split.resolve("config.json"));
        try (Checkpoint a = Checkpoints.open(dir);
                Checkpoint b = Checkpoints.open(split)) {
            assertSameTensors(a, b);
        }
    }
}
