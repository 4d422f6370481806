package org.transprune.model;

import ai.djl.engine.Engine;
import java.util.Locale;

/**
 * Starts DJL's PyTorch engine and turns every way that can fail (no natives, offline without natives,
 * a libtorch of the wrong version, a CUDA driver too old) into one line that says what to do.
 */
public final class EngineStart {
    private EngineStart() {}

    /** The engine could not start; the message is one line saying what to do. */
    public static final class EngineStartException extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        EngineStartException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * The PyTorch engine, started if it was not.
     *
     * @throws EngineStartException with one line of advice when it cannot start
     */
    public static Engine engine() {
        try {
            return Engine.getEngine("PyTorch");
        } catch (Throwable t) { // UnsatisfiedLinkError and friends included: they all end in advice
            if (t instanceof VirtualMachineError && !(t instanceof OutOfMemoryError)) {
                throw (VirtualMachineError) t;
            }
            throw new EngineStartException(advice(t), t);
        }
    }

    /** One line for an engine start failure: what went wrong and what to do. */
    static String advice(Throwable t) {
        StringBuilder all = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            all.append(c.getClass().getSimpleName())
                    .append(": ")
                    .append(c.getMessage())
                    .append(" | ");
        }
        String text = all.toString();
        String lower = text.toLowerCase(Locale.ROOT);
        String libPath = System.getenv("PYTORCH_LIBRARY_PATH");
        String first = firstLine(t);
        if (lower.contains("driver version is insufficient") || lower.contains("cuda driver")) {
            return "the engine could not start: the NVIDIA driver is too old for libtorch 2.7.1 (cu128 needs a"
                    + " driver for CUDA 12.8, R570 or newer): update the driver, or run with --device cpu on a CPU"
                    + " build (" + first + ")";
        }
        if (libPath != null && !libPath.isEmpty()) {
            return "the engine could not start with PYTORCH_LIBRARY_PATH=" + libPath + ": it must hold libtorch "
                    + org.transprune.Versions.pytorch() + " (set PYTORCH_VERSION and PYTORCH_FLAVOR to match it, e.g."
                    + " cu128), or unset it to let DJL fetch its own (" + first + ")";
        }
        if (lower.contains("offline")
                || lower.contains("download")
                || lower.contains("unknownhost")
                || lower.contains("connect")) {
            return "the engine could not start: no libtorch natives are bundled and DJL cannot download them"
                    + " (offline or no network): build the CPU tool (./mvnw -B -DskipTests package), or set"
                    + " PYTORCH_LIBRARY_PATH to a local libtorch " + org.transprune.Versions.pytorch()
                    + ", or allow the download once (unset DJL_OFFLINE, -Dai.djl.offline=false) (" + first + ")";
        }
        if (t instanceof UnsatisfiedLinkError || lower.contains("unsatisfiedlink") || lower.contains("symbol")) {
            return "the engine could not start: the libtorch natives do not match pytorch-jni "
                    + org.transprune.Versions.pytorch() + "-" + org.transprune.Versions.djl()
                    + ": delete DJL's cache (~/.djl.ai/pytorch) or point PYTORCH_LIBRARY_PATH at libtorch "
                    + org.transprune.Versions.pytorch() + " (" + first + ")";
        }
        return "the engine could not start: no usable libtorch natives: rebuild the tool"
                + " (./mvnw -B -DskipTests package) or see docs/gpu.md; TRANSPRUNE_DEBUG=1 shows the cause ("
                + first + ")";
    }

    private static String firstLine(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String m = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
        m = m.lines().findFirst().orElse("").trim();
        return m.length() > 160 ? m.substring(0, 157) + "..." : m;
    }
}
