package org.transprune.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.transprune.config.LlavaConfig;
import org.transprune.config.ModelPresets;

class WeightPlanningTest {
    private static final long GB = 1_000_000_000L;
    private static final LlavaConfig LLAVA_7B = ModelPresets.config("llava-1.5-7b");

    @Test
    void sevenBillionSizesAreTheKnownOnes() {
        // Vicuna-7B: 6.74 B parameters of which 0.26 B are embeddings + LM head; fp32 = 4 bytes each.
        assertEquals(26.95, WeightPlanning.fp32DecoderBytes(LLAVA_7B.text()) / 1e9, 0.05);
        assertEquals(202.4e6, WeightPlanning.layerElements(LLAVA_7B.text()), 0.1e6);
        // CLIP ViT-L/14-336 (0.30 B) + projector (0.02 B), fp32.
        assertEquals(1.29, WeightPlanning.fp32VisionBytes(LLAVA_7B) / 1e9, 0.03);
    }

    @Test
    void autoKeepsFp32WhenTheWholeModelFitsAndHalfOtherwise() {
        var big = WeightPlanning.plan(WeightPolicy.AUTO, null, LLAVA_7B, 64 * GB);
        assertEquals(WeightPolicy.FP32, big.policy());
        assertEquals(32, big.residentLayers());
        // This machine: ~22 GB available. fp32 needs 28.2 GB > 15.4 GB; the half layers alone (13 GB)
        // plus embeddings, tower and two widened layers (3.9 GB) already exceed the budget: no resident layer.
        var here = WeightPlanning.plan(WeightPolicy.AUTO, null, LLAVA_7B, 22 * GB);
        assertEquals(WeightPolicy.HALF, here.policy());
        assertEquals(0, here.residentLayers());
        assertTrue(here.reason().contains("half-resident"), here.reason());
    }

    @Test
    void autoFillsSpareMemoryWithResidentLayersFromTheBudget() {
        // 32 GB available: budget 22.4 GB; fixed = 1.05 (embeddings + head) + 1.29 (tower) + 2 x 0.81 (widened)
        // + 32 x 0.405 (half layers) = 16.9 GB; each resident layer nets 0.405 GB: floor(5.5 / 0.405) = 13.
        var plan = WeightPlanning.plan(WeightPolicy.AUTO, null, LLAVA_7B, 32 * GB);
        assertEquals(WeightPolicy.HALF, plan.policy());
        assertEquals(13, plan.residentLayers());
        // More memory never means fewer resident layers, and the count never exceeds the depth.
        int previous = 0;
        for (long avail = 16; avail <= 40; avail++) {
            var p = WeightPlanning.plan(WeightPolicy.AUTO, null, LLAVA_7B, avail * GB);
            int k = p.policy() == WeightPolicy.FP32 ? 32 : p.residentLayers();
            assertTrue(k >= previous && k <= 32, avail + " GB: " + k);
            previous = k;
        }
    }

    @Test
    void explicitPoliciesAreTakenAsAsked() {
        assertEquals(
                WeightPolicy.FP32,
                WeightPlanning.plan(WeightPolicy.FP32, null, LLAVA_7B, 1 * GB).policy());
        var half = WeightPlanning.plan(WeightPolicy.HALF, null, LLAVA_7B, 100 * GB);
        assertEquals(WeightPolicy.HALF, half.policy());
        assertEquals(0, half.residentLayers());
        assertEquals(
                5, WeightPlanning.plan(WeightPolicy.HALF, 5, LLAVA_7B, 1 * GB).residentLayers());
        assertEquals(
                7, WeightPlanning.plan(WeightPolicy.AUTO, 7, LLAVA_7B, 22 * GB).residentLayers());
        assertThrows(IllegalArgumentException.class, () -> WeightPlanning.plan(WeightPolicy.HALF, 33, LLAVA_7B, GB));
    }
}
