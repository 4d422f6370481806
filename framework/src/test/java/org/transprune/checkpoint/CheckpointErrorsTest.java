package org.transprune.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transprune.config.LlavaConfig;

/** Bad checkpoints fail with one message that names the file and the problem (issue 15, section 2). */
class CheckpointErrorsTest {
    @TempDir
    Path tmp;

    private static final LlavaConfig TINY = TinyCheckpoints.tinyConfig();

    @Test
    void configWithoutTextConfigNamesConfigJsonAndTheKeyInOneLine() throws IOException {
        Path dir = TinyCheckpoints.builder(TINY).writeLlavaHf(tmp.resolve("hf"));
        ObjectNode json = ConfigJson.llavaHfJson(TINY);
        json.remove("text_config");
        Files.write(dir.resolve("config.json"), SafetensorsWriter.prettyJson(json));
        try (Checkpoint c = Checkpoints.open(dir)) {
            CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoints.validate(c));
            String m = e.getMessage();
            assertFalse(m.contains("\n"), m);
            assertTrue(m.startsWith(dir.resolve("config.json") + ": key 'text_config' is missing"), m);
            // the count of mismatches is reported, not each one
            assertTrue(m.matches(".*\\(\\d+ problem\\(s\\), first: .*\\)"), m);
        }
    }

    @Test
    void configWithoutASizeKeyNamesTheKey() throws IOException {
        Path dir = TinyCheckpoints.builder(TINY).writeLlavaHf(tmp.resolve("hf"));
        ObjectNode json = ConfigJson.llavaHfJson(TINY);
        ((ObjectNode) json.get("text_config")).remove("intermediate_size");
        Files.write(dir.resolve("config.json"), SafetensorsWriter.prettyJson(json));
        try (Checkpoint c = Checkpoints.open(dir)) {
            CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoints.validate(c));
            assertTrue(
                    e.getMessage().startsWith(dir.resolve("config.json") + ": key 'text_config.intermediate_size'"),
                    e.getMessage());
        }
    }

    @Test
    void manyMissingTensorsGiveTheFirstTenAndACount() throws IOException {
        Path dir = tmp.resolve("decoder-only-tower");
        SafetensorsWriter w = new SafetensorsWriter();
        var shapes = CanonicalNames.shapes(TINY);
        TinyCheckpoints.randomWeights(TINY, 1).forEach((name, v) -> {
            if (!name.startsWith(CanonicalNames.DECODER + "layers.")) {
                w.add(name, v, TensorType.F32, shapes.get(name));
            }
        });
        w.write(dir.resolve("model.safetensors"));
        Files.write(dir.resolve("config.json"), SafetensorsWriter.prettyJson(ConfigJson.llavaHfJson(TINY)));
        int missing = 9 * TINY.text().numLayers();
        try (Checkpoint c = Checkpoints.open(dir)) {
            CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoints.validate(c));
            String[] lines = e.getMessage().split("\n");
            assertTrue(lines[0].contains(missing + " problem(s)"), e.getMessage());
            assertEquals(1 + Checkpoints.LISTED_PROBLEMS + 1, lines.length, e.getMessage());
            assertTrue(lines[1].strip().startsWith("missing " + CanonicalNames.decoderLayer(0)), e.getMessage());
            assertEquals(
                    "... and " + (missing - Checkpoints.LISTED_PROBLEMS) + " more", lines[lines.length - 1].strip());
        }
    }

    @Test
    void aMissingTokenizerIsNamed() throws IOException {
        Path dir = TinyCheckpoints.builder(TINY).writeLlavaHf(tmp.resolve("hf"));
        try (Checkpoint c = Checkpoints.open(dir)) {
            CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoints.validateTokenizer(c));
            assertTrue(e.getMessage().startsWith(dir.resolve("tokenizer.json") + ": missing"), e.getMessage());
        }
    }

    @Test
    void anUnreadableTokenizerIsNamedWithItsLine() throws IOException {
        Path dir = TinyCheckpoints.builder(TINY).writeLlavaHf(tmp.resolve("hf"));
        Files.writeString(dir.resolve("tokenizer.json"), "{\n  \"model\": {\"vocab\": \n");
        try (Checkpoint c = Checkpoints.open(dir)) {
            CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoints.validateTokenizer(c));
            assertTrue(e.getMessage().startsWith(dir.resolve("tokenizer.json") + ":"), e.getMessage());
            assertTrue(e.getMessage().contains("not valid JSON"), e.getMessage());
            assertFalse(e.getMessage().contains("Source:"), e.getMessage());
        }
        Files.writeString(dir.resolve("tokenizer.json"), "{\"version\": \"1.0\"}");
        try (Checkpoint c = Checkpoints.open(dir)) {
            CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoints.validateTokenizer(c));
            assertTrue(e.getMessage().contains("no 'model' object"), e.getMessage());
        }
    }

    @Test
    void aMalformedConfigJsonIsNamedWithItsLineAndNoParserInternals() throws IOException {
        Path dir = TinyCheckpoints.builder(TINY).writeLlavaHf(tmp.resolve("hf"));
        Files.writeString(
                dir.resolve("config.json"), "{\n  \"architectures\": [\"LlavaForConditionalGeneration\",\n}\n");
        CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoints.open(dir));
        assertTrue(e.getMessage().startsWith(dir.resolve("config.json") + ":3: not valid JSON: "), e.getMessage());
        assertFalse(e.getMessage().contains("Source:") || e.getMessage().contains("REDACTED"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }
}
