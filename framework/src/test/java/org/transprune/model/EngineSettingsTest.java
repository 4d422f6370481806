package org.transprune.model;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** DJL's CUDA-detection warnings are hidden unless asked for. */
class EngineSettingsTest {
    private static final String CUDA = "ai.djl.util.cuda.CudaUtils";

    @Test
    void cudaDetectionWarningsAreHiddenByDefault() {
        // The bundled simplelogger.properties silences the logger DJL prints them with.
        assertFalse(
                System.getProperties().containsKey(EngineSettings.CUDA_LOGGER),
                "no test of this JVM may have turned them on");
        assertFalse(LoggerFactory.getLogger(CUDA).isWarnEnabled(), "CUDA-detection warnings hidden");
        assertTrue(LoggerFactory.getLogger("ai.djl.util.Utils").isWarnEnabled(), "DJL's other warnings shown");
    }

    @Test
    void askingForThemShowsThem() {
        try {
            EngineSettings.showCudaDetection();
            // slf4j-simple fixes a logger's level when the logger is made: a logger below the CUDA probe's
            // name, made now, sees the setting the probe's own logger sees when DJL first starts after it.
            assertTrue(LoggerFactory.getLogger(CUDA + ".afterSetting").isWarnEnabled());
        } finally {
            System.clearProperty(EngineSettings.CUDA_LOGGER);
        }
    }
}
