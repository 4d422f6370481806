package org.transprune.cli;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.util.Utils;
import ai.djl.util.cuda.CudaUtils;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.transprune.Versions;
import org.transprune.checkpoint.Checkpoint;
import org.transprune.checkpoint.Checkpoints;
import org.transprune.checkpoint.TensorType;
import org.transprune.config.LlavaConfig;
import org.transprune.model.ComputeDtype;
import org.transprune.model.EngineStart;
import org.transprune.model.Natives;
import org.transprune.model.WeightPlanning;
import org.transprune.model.WeightPolicy;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code transprune doctor}: what this machine will run, and why, before any long run. */
@Command(
        name = "doctor",
        mixinStandardHelpOptions = true,
        description = "Report Java, DJL and libtorch versions, the natives found, devices, CUDA, threads and memory,"
                + " and what --device, --weights and --dtype would choose for a model directory.")
public final class DoctorCommand implements Callable<Integer> {
    @Option(names = "--model", paramLabel = "DIR", description = "checkpoint directory to plan for (optional)")
    Path model;

    @Option(
            names = "--vision-tower",
            paramLabel = "DIR",
            description = "CLIP tower directory for original-layout checkpoints")
    Path visionTower;

    @Mixin
    ModelOptions.Engine engine;

    @Override
    public Integer call() {
        engine.applyThreads();
        PrintStream out = System.out;
        out.printf(
                "java:      %s (%s), max heap %.1f GB%n",
                System.getProperty("java.version"),
                System.getProperty("java.vendor"),
                java.lang.Runtime.getRuntime().maxMemory() / 1e9);
        out.printf(
                "transprune: %s, DJL %s, expects libtorch %s%n",
                Versions.project(), Versions.djl(), Versions.pytorch());
        describeNatives(out);
        Engine e;
        try {
            e = EngineStart.engine();
        } catch (EngineStart.EngineStartException ex) {
            out.println("engine:    NOT STARTED");
            out.println("verdict:   " + ex.getMessage());
            return 1;
        }
        out.printf("engine:    %s, libtorch %s, natives in %s%n", e.getEngineName(), e.getVersion(), nativeDir());
        int gpus = e.getGpuCount();
        out.printf("devices:   cpu%s%n", gpus == 0 ? " (no GPU visible to libtorch)" : ", " + gpus + " GPU(s)");
        for (int i = 0; i < gpus; i++) {
            Device d = Device.gpu(i);
            String mem = "";
            try {
                var mu = CudaUtils.getGpuMemory(d);
                mem = String.format(
                        ", %.1f GB total, %.1f GB free", mu.getMax() / 1e9, (mu.getMax() - mu.getCommitted()) / 1e9);
            } catch (RuntimeException | UnsatisfiedLinkError ignored) {
                // memory figures are optional
            }
            out.printf("  %s: compute capability %s%s%n", d, CudaUtils.getComputeCapability(i), mem);
        }
        out.printf(
                "cuda:      %s; driver %s%n",
                CudaUtils.hasCuda() ? "runtime " + CudaUtils.getCudaVersionString() : "no CUDA runtime found",
                driverVersion());
        int cores = java.lang.Runtime.getRuntime().availableProcessors();
        String threads = System.getProperty("ai.djl.pytorch.num_threads");
        out.printf(
                "threads:   libtorch intra-op %s of %d cores%n",
                threads == null ? "default (all " + cores + ")" : threads, cores);
        long available = WeightPlanning.availableBytes();
        out.printf("memory:    %.1f GB available (MemAvailable)%n", available / 1e9);

        Device device;
        String deviceReason;
        try {
            device = engine.device.resolve();
            deviceReason = switch (engine.device) {
                case AUTO -> gpus > 0 ? "auto: libtorch sees " + gpus + " GPU(s)" : "auto: libtorch sees no GPU";
                default -> engine.device + " as requested";
            };
        } catch (IllegalArgumentException ex) {
            out.println("--device:  " + engine.device + " -> refused: " + ex.getMessage());
            out.println("verdict:   will not run with --device " + engine.device);
            return 1;
        }
        ComputeDtype dtype = engine.dtype.resolve(device);
        out.printf("--device %s -> %s (%s)%n", engine.device, device.isGpu() ? "gpu" : "cpu", deviceReason);
        out.printf("--dtype %s -> %s (%s)%n", engine.dtype, dtype, engine.dtype.reason(device));
        if (model == null) {
            out.println("--weights: give --model DIR to see what --weights auto chooses for a checkpoint");
        } else {
            planModel(out, device, dtype, available);
        }
        out.printf("verdict:   will run on the %s in %s%n", device.isGpu() ? "GPU (" + device + ")" : "CPU", dtype);
        return 0;
    }

    private void planModel(PrintStream out, Device device, ComputeDtype dtype, long available) {
        try (Checkpoint ckpt = visionTower == null ? Checkpoints.open(model) : Checkpoints.open(model, visionTower)) {
            LlavaConfig c = ckpt.config();
            TreeMap<TensorType, Integer> types = new TreeMap<>();
            for (String n : ckpt.tensors().names()) {
                types.merge(ckpt.tensors().info(n).type(), 1, Integer::sum);
            }
            long fp32 = WeightPlanning.fp32DecoderBytes(c.text()) + WeightPlanning.fp32VisionBytes(c);
            out.printf(
                    "model:     %s (%s layout): %d decoder layers, hidden %d; tensors %s; %.2f GB in fp32, %.2f GB in"
                            + " fp16%n",
                    model, ckpt.layout(), c.text().numLayers(), c.text().hiddenSize(), types, fp32 / 1e9, fp32 / 2e9);
            if (types.containsKey(TensorType.BF16) && dtype == ComputeDtype.FP16) {
                out.println("           bf16 tensors are converted to fp16 once at load (values beyond fp16's range"
                        + " are counted and reported)");
            }
            if (dtype == ComputeDtype.FP16) {
                out.printf(
                        "--weights %s -> fp16-resident (fp16 compute holds every weight in fp16 on the %s: %.2f GB;"
                                + " --weights applies to fp32 compute)%n",
                        engine.weights.name().toLowerCase(java.util.Locale.ROOT),
                        device.isGpu() ? "GPU" : "CPU",
                        fp32 / 2e9);
                return;
            }
            long budget = available;
            if (device.isGpu()) {
                try {
                    var mu = CudaUtils.getGpuMemory(device);
                    budget = mu.getMax() - mu.getCommitted();
                } catch (RuntimeException | UnsatisfiedLinkError ignored) {
                    // plan against host memory
                }
            }
            WeightPlanning.WeightPlan plan = WeightPlanning.plan(engine.weights, engine.residentLayers, c, budget);
            out.printf(
                    "--weights %s -> %s (%s)%n",
                    engine.weights.name().toLowerCase(java.util.Locale.ROOT), planName(plan), plan.reason());
        } catch (IOException ex) {
            throw new UserError("cannot read " + model + ": " + ex.getMessage());
        }
    }

    private static String planName(WeightPlanning.WeightPlan plan) {
        return plan.policy() == WeightPolicy.FP32 ? "fp32" : "half, " + plan.residentLayers() + " layers fp32-resident";
    }

    private static void describeNatives(PrintStream out) {
        Properties bundled = Natives.bundled();
        if (bundled != null) {
            out.printf(
                    "natives:   bundled %s libtorch %s (%s) from %s%n",
                    bundled.getProperty("flavor"),
                    bundled.getProperty("version"),
                    bundled.getProperty("classifier"),
                    bundled.getProperty("location"));
        } else {
            out.println("natives:   none bundled (GPU build): "
                    + (System.getenv("PYTORCH_LIBRARY_PATH") != null
                            ? "PYTORCH_LIBRARY_PATH=" + System.getenv("PYTORCH_LIBRARY_PATH")
                            : "DJL fetches libtorch " + Versions.pytorch() + " ("
                                    + env("PYTORCH_FLAVOR", "flavour by the CUDA found, cu128") + ") into "
                                    + Utils.getEngineCacheDir("pytorch")));
        }
        out.printf(
                "settings:  PYTORCH_VERSION=%s PYTORCH_FLAVOR=%s offline=%s%n",
                env("PYTORCH_VERSION", "-"),
                env("PYTORCH_FLAVOR", "-"),
                System.getProperty("ai.djl.offline", System.getenv().getOrDefault("DJL_OFFLINE", "false")));
    }

    private static String nativeDir() {
        String lib = System.getenv("PYTORCH_LIBRARY_PATH");
        if (lib != null && !lib.isEmpty()) {
            return lib;
        }
        Path cache = Utils.getEngineCacheDir("pytorch");
        try (Stream<Path> s = Files.list(cache)) {
            List<String> dirs = s.filter(Files::isDirectory)
                    .map(p -> p.getFileName().toString())
                    .filter(n -> n.startsWith(Versions.pytorch()))
                    .sorted()
                    .toList();
            return cache + " " + dirs;
        } catch (IOException ex) {
            return cache.toString();
        }
    }

    private static String driverVersion() {
        Path p = Path.of("/proc/driver/nvidia/version");
        try {
            if (Files.isReadable(p)) {
                String first = Files.readAllLines(p).get(0);
                return first.replaceAll(".*Kernel Module\\s+([0-9.]+).*", "$1");
            }
        } catch (IOException | IndexOutOfBoundsException ignored) {
            // fall through
        }
        return "none (no /proc/driver/nvidia/version)";
    }

    private static String env(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isEmpty() ? fallback : v;
    }
}
