package org.transprune.pipeline;

import ai.djl.Device;
import ai.djl.engine.Engine;
import java.util.Locale;

/** The {@code --device cpu|gpu|auto} choice: auto takes the first GPU when libtorch sees one. */
public final class DeviceChoice {
    private DeviceChoice() {}

    public static Device resolve(String choice) {
        switch (choice.toLowerCase(Locale.ROOT)) {
            case "cpu":
                return Device.cpu();
            case "gpu":
            case "cuda":
                if (Engine.getInstance().getGpuCount() == 0) {
                    throw new IllegalArgumentException("--device gpu: no GPU is visible to libtorch (the CPU native "
                            + "library is bundled; build with -Pgpu on a CUDA machine, see README)");
                }
                return Device.gpu();
            case "auto":
                return Engine.getInstance().getGpuCount() > 0 ? Device.gpu() : Device.cpu();
            default:
                throw new IllegalArgumentException("unknown device '" + choice + "' (expected cpu, gpu or auto)");
        }
    }
}
