package org.transprune.cli;

/**
 * Process-wide settings applied before DJL starts: DJL must never reach the network, and usage
 * tracking is off. The launcher sets the same through the environment; this covers embedding.
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
    }
}
