package org.transprune.model;

import com.sun.management.OperatingSystemMXBean;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import org.transprune.config.LlavaConfig;
import org.transprune.config.TextConfig;
import org.transprune.config.VisionConfig;

/** Resolves {@link WeightPolicy#AUTO} from the model's size and the memory available. */
public final class WeightPlanning {
    /**
     * Share of the available memory the weights may take, leaving room for activations, the KV cache,
     * the JVM and the page cache of the memory-mapped files.
     */
    public static final double BUDGET_SHARE = 0.7;

    /** Widened layers the half-resident store holds at once (one running, one pooled spare). */
    static final int WIDENED_LAYERS = 2;

    private WeightPlanning() {}

    /**
     * How decoder weights will be held.
     *
     * @param policy FP32 or HALF, never AUTO
     * @param residentLayers decoder layers held in fp32 for good (all of them under FP32)
     * @param reason one line saying why, with the figures it compared
     */
    public record WeightPlan(WeightPolicy policy, int residentLayers, String reason) {}

    /** Bytes the decoder's weights take in fp32 (embeddings and LM head included). */
    public static long fp32DecoderBytes(TextConfig t) {
        return 4 * (layerElements(t) * t.numLayers() + embeddingElements(t));
    }

    /** Elements of one decoder layer (projections, MLP, two norms). */
    public static long layerElements(TextConfig t) {
        long d = t.hiddenSize();
        long q = (long) t.numHeads() * t.headDim();
        long kv = (long) t.numKeyValueHeads() * t.headDim();
        return d * q * 2 + d * kv * 2 + 3 * d * t.intermediateSize() + 2 * d;
    }

    private static long embeddingElements(TextConfig t) {
        return (long) t.vocabSize() * t.hiddenSize() * (t.tieWordEmbeddings() ? 1 : 2);
    }

    /** Bytes of the vision tower and projector in fp32 (always resident). */
    /** Bytes of Qwen2.5-VL's vision tower and patch merger in fp32 (always resident). */
    public static long fp32QwenVisionBytes(org.transprune.config.QwenConfig c) {
        long elements = 0;
        for (var e : org.transprune.checkpoint.CanonicalNames.qwenShapes(c).entrySet()) {
            if (e.getKey().startsWith(org.transprune.checkpoint.CanonicalNames.QWEN_VISUAL)) {
                long n = 1;
                for (long d : e.getValue()) {
                    n *= d;
                }
                elements += n;
            }
        }
        return 4 * elements;
    }

    public static long fp32VisionBytes(LlavaConfig c) {
        VisionConfig v = c.vision();
        long d = v.hiddenSize();
        long block = 4 * (d * d + d) + 2 * d * v.intermediateSize() + v.intermediateSize() + d + 4 * d;
        long tower = block * v.numLayers() + d * 3L * v.patchSize() * v.patchSize() + (v.numPatches() + 2L) * d;
        long h = c.text().hiddenSize();
        long projector = h * d + h + h * h + h;
        return 4 * (tower + projector);
    }

    /** {@link #plan} with the memory available now; AUTO becomes FP32 or HALF. */
    public static WeightPolicy resolve(WeightPolicy requested, LlavaConfig config) {
        return plan(requested, null, config, availableBytes()).policy();
    }

    /**
     * Decides the storage. FP32 and HALF are taken as asked (HALF with {@code residentLayers}, or none).
     * AUTO picks FP32 when the whole fp32 model fits in {@value #BUDGET_SHARE} of {@code availableBytes};
     * otherwise HALF, keeping as many of the last layers fp32-resident as the budget allows after the
     * fp32 embeddings, LM head and vision tower, two widened layers and the half-precision layers'
     * pages (counted because evicting them would mean reading the checkpoint from disk again for every
     * layer). Each resident layer costs its fp32 size minus the half pages it no longer needs.
     *
     * @param residentLayers an explicit count for HALF (or AUTO when it lands on HALF), or null to plan
     * @param availableBytes the memory to plan against (injectable for tests; see {@link #availableBytes})
     */
    public static WeightPlan plan(
            WeightPolicy requested, Integer residentLayers, LlavaConfig config, long availableBytes) {
        return plan(requested, residentLayers, config.text(), fp32VisionBytes(config), availableBytes);
    }

    /**
     * {@link #plan(WeightPolicy, Integer, LlavaConfig, long)} for any decoder beside a resident vision part of
     * {@code visionBytes} in fp32 (Qwen2.5-VL's tower and merger: {@link #fp32QwenVisionBytes}).
     */
    public static WeightPlan plan(
            WeightPolicy requested, Integer residentLayers, TextConfig t, long visionBytes, long availableBytes) {
        int n = t.numLayers();
        if (residentLayers != null && (residentLayers < 0 || residentLayers > n)) {
            throw new IllegalArgumentException("resident layers must be in 0.." + n + ", got " + residentLayers);
        }
        if (requested == WeightPolicy.FP32) {
            return new WeightPlan(WeightPolicy.FP32, n, "fp32 as requested");
        }
        if (requested == WeightPolicy.HALF) {
            int k = residentLayers == null ? 0 : residentLayers;
            return new WeightPlan(
                    WeightPolicy.HALF, k, "half as requested, " + k + " of " + n + " layers fp32-resident");
        }
        double budget = BUDGET_SHARE * availableBytes;
        long fp32All = fp32DecoderBytes(t) + visionBytes;
        if (fp32All <= budget) {
            return new WeightPlan(
                    WeightPolicy.FP32,
                    n,
                    String.format(
                            "auto: fp32 weights %.1f GB fit in %.0f%% of %.1f GB" + " available",
                            fp32All / 1e9, 100 * BUDGET_SHARE, availableBytes / 1e9));
        }
        long fp32Layer = 4 * layerElements(t);
        long halfLayer = 2 * layerElements(t);
        long fixed = 4 * embeddingElements(t) + visionBytes + WIDENED_LAYERS * fp32Layer + n * halfLayer;
        int k;
        if (residentLayers != null) {
            k = residentLayers;
        } else {
            k = (int) Math.max(0, Math.min(n, Math.floor((budget - fixed) / (fp32Layer - halfLayer))));
        }
        return new WeightPlan(
                WeightPolicy.HALF,
                k,
                String.format(
                        "auto: fp32 weights %.1f GB exceed %.0f%% of %.1f GB"
                                + " available; half-resident with %d of %d layers fp32-resident (half weights + fixed %.1f GB)",
                        fp32All / 1e9, 100 * BUDGET_SHARE, availableBytes / 1e9, k, n, fixed / 1e9));
    }

    /** MemAvailable from /proc/meminfo, or the JVM's view of physical memory elsewhere. */
    public static long availableBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemAvailable:")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // fall through
        }
        return ((OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getFreeMemorySize();
    }
}
