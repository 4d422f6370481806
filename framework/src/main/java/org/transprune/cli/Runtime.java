package org.transprune.cli;

import org.transprune.model.EngineSettings;
import org.transprune.model.Natives;

/**
 * Process-wide settings applied before DJL starts: with the CPU natives bundled DJL must never reach the
 * network (with the GPU build it may fetch its CUDA libtorch, unless {@code PYTORCH_LIBRARY_PATH} points to
 * one), usage tracking is off, and DJL's CUDA-detection warnings show only with {@code TRANSPRUNE_DEBUG=1}
 * (see {@link EngineSettings}). The launcher sets the first two through the environment; this covers
 * embedding.
 */
public final class Runtime {
    private Runtime() {}

    public static void init() {
        if (System.getProperty("ai.djl.offline") == null && Natives.cpuBundled()) {
            System.setProperty("ai.djl.offline", "true");
        }
        if (System.getProperty("OPT_OUT_TRACKING") == null) {
            System.setProperty("OPT_OUT_TRACKING", "true");
        }
        EngineSettings.configure(null);
    }
}
