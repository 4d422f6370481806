package org.transprune.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The conformance suite on a tiny Qwen2.5-VL (window-attention tower, Qwen2 decoder with q/k/v biases and
 * M-RoPE positions, 26 layers, 16 image tokens): extend it with an empty class and every registered strategy
 * must pass the same rules there as on LLaVA.
 */
public abstract class QwenStrategyConformanceSuite extends StrategyConformanceSuite {

    @BeforeAll
    static void loadModel() {
        engine = ConformanceEngine.qwen(LAYERS, IMAGE_TOKENS);
    }

    @AfterAll
    static void closeModel() {
        engine.close();
    }

    @Test
    void theStrategiesRunOnQwen() {
        assertEquals("qwen2.5-vl", engine.family());
    }
}
