package org.transprune.cli;

import org.transprune.model.EngineSettings;

/**
 * Process-wide settings applied before DJL starts: DJL must never reach the network, usage tracking is
 * off, and DJL's CUDA-detection warnings show only with {@code TRANSPRUNE_DEBUG=1} (see
 * {@link EngineSettings}). The launcher sets the first two through the environment; this covers embedding.
 */
public final class Runtime {
    private Runtime() {}

    public static void init() {
        if (System.getProperty("ai.djl.offline") == null) {
            System.setProperty("ai.djl.offline", "true");
        }
        if (System.getProperty("OPT_OUT_TRACKING") == null) {
            System.setProperty("OPT_OUT_TRACKING", "true");
        }
        EngineSettings.configure(null);
    }
}
