package org.transprune.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class ModelPresetsTest {

    @Test
    void llava15SevenBHasTheCheckpointShape() {
        ModelPresets.Preset p = ModelPresets.get("llava-1.5-7b");
        LlavaConfig c = p.config();
        assertEquals(new VisionConfig(1024, 4096, 24, 16, 336, 14, 1e-5, "quick_gelu"), c.vision());
        assertEquals(new TextConfig(4096, 11008, 32, 32, 32, 32000, 1e-5, 10000.0, 4096, false), c.text());
        assertEquals("mlp2x_gelu", c.projectorType());
        assertEquals(-2, c.visionFeatureLayer());
        assertEquals(23, c.visionBlocksToRun());
        assertEquals(576, c.imageTokens());
        assertEquals(576, p.imageTokens());
        assertEquals(128, c.text().headDim());
    }

    @Test
    void thirteenBAndNextShapes() {
        TextConfig t13 = ModelPresets.config("llava-1.5-13b").text();
        assertEquals(
                List.of(5120, 13824, 40, 40, 40),
                List.of(
                        t13.hiddenSize(),
                        t13.intermediateSize(),
                        t13.numLayers(),
                        t13.numHeads(),
                        t13.numKeyValueHeads()));
        ModelPresets.Preset next = ModelPresets.get("llava-next-7b");
        assertEquals(2880, next.imageTokens());
        assertEquals(ModelPresets.config("llava-1.5-7b").text(), next.config().text());
        TextConfig mistral = ModelPresets.config("llava-next-mistral-7b").text();
        assertEquals(
                List.of(4096, 14336, 32, 32, 8, 32768),
                List.of(
                        mistral.hiddenSize(),
                        mistral.intermediateSize(),
                        mistral.numLayers(),
                        mistral.numHeads(),
                        mistral.numKeyValueHeads(),
                        mistral.maxPositionEmbeddings()));
        assertEquals(1_000_000.0, mistral.ropeTheta());
    }

    @Test
    void lookupIsCaseInsensitiveAndListsNames() {
        assertEquals(ModelPresets.get("llava-1.5-7b"), ModelPresets.get(" LLaVA-1.5-7B "));
        assertEquals(
                List.of("llava-1.5-7b", "llava-1.5-13b", "llava-next-7b", "llava-next-mistral-7b"),
                ModelPresets.names());
        assertEquals(ModelPresets.names().size(), ModelPresets.all().size());
    }

    @Test
    void unknownNameListsTheKnownOnes() {
        String msg = assertThrows(IllegalArgumentException.class, () -> ModelPresets.get("llava-2-70b"))
                .getMessage();
        assertTrue(msg.contains("unknown model preset 'llava-2-70b'"), msg);
        assertTrue(msg.contains("llava-1.5-7b, llava-1.5-13b, llava-next-7b, llava-next-mistral-7b"), msg);
        assertThrows(IllegalArgumentException.class, () -> ModelPresets.get(null));
    }
}
