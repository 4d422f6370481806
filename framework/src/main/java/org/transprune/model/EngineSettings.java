package org.transprune.model;

/**
 * The engine's process-wide settings that must be in place before DJL starts: the libtorch thread
 * count and which of DJL's log lines are shown. DJL probes for CUDA on every start and logs
 * "Failed to detect GPU count" (from {@code ai.djl.util.cuda.CudaUtils}) on machines without a GPU;
 * the bundled {@code simplelogger.properties} silences that logger, and it is shown again with
 * {@code TRANSPRUNE_DEBUG=1} or when a GPU was asked for.
 */
public final class EngineSettings {
    /** The slf4j-simple level property of DJL's CUDA probe. */
    static final String CUDA_LOGGER = "org.slf4j.simpleLogger.log.ai.djl.util.cuda.CudaUtils";

    private EngineSettings() {}

    /**
     * Applies the settings: call before the engine starts (settings made later have no effect).
     *
     * @param threads libtorch intra-op threads (inter-op threads become 1), or null for libtorch's default
     */
    public static void configure(Integer threads) {
        String debug = System.getenv("TRANSPRUNE_DEBUG");
        if (debug != null && !debug.isEmpty()) {
            showCudaDetection();
        }
        if (threads != null) {
            if (threads < 1) {
                throw new IllegalArgumentException("threads must be at least 1, got " + threads);
            }
            System.setProperty("ai.djl.pytorch.num_threads", String.valueOf(threads));
            System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        }
    }

    /** Shows DJL's CUDA-detection warnings (effective when DJL's CUDA probe has not logged yet). */
    static void showCudaDetection() {
        System.setProperty(CUDA_LOGGER, "warn");
    }
}
