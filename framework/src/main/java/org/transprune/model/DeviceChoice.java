package org.transprune.model;

import ai.djl.Device;
import ai.djl.engine.Engine;
import java.util.Locale;

/** Where the model runs: {@code cpu}, {@code gpu}, or {@code auto} (the first GPU when libtorch sees one). */
public enum DeviceChoice {
    CPU,
    GPU,
    AUTO;

    /** {@code cpu}, {@code gpu} (or {@code cuda}) or {@code auto}, in any case. */
    public static DeviceChoice parse(String s) {
        String v = s.trim().toLowerCase(Locale.ROOT);
        return switch (v) {
            case "cpu" -> CPU;
            case "gpu", "cuda" -> GPU;
            case "auto" -> AUTO;
            default -> throw new IllegalArgumentException("unknown device '" + s + "' (expected cpu, gpu or auto)");
        };
    }

    /**
     * The device to load on.
     *
     * @throws IllegalArgumentException for {@code GPU} when libtorch sees none
     * @throws EngineStart.EngineStartException with one line of advice when the engine cannot start
     */
    public Device resolve() {
        if (this == GPU) {
            // A GPU was asked for: DJL's CUDA-detection warnings say why none is usable.
            EngineSettings.showCudaDetection();
        }
        Engine engine = EngineStart.engine();
        switch (this) {
            case CPU:
                return Device.cpu();
            case GPU:
                if (engine.getGpuCount() == 0) {
                    throw new IllegalArgumentException("--device gpu: no GPU is visible to libtorch ("
                            + (Natives.cpuBundled()
                                    ? "the CPU natives are bundled; build with -Pgpu on a CUDA machine"
                                    : "check the driver with nvidia-smi and CUDA_VISIBLE_DEVICES")
                            + "; transprune doctor and docs/gpu.md say more)");
                }
                return Device.gpu();
            default:
                return engine.getGpuCount() > 0 ? Device.gpu() : Device.cpu();
        }
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
