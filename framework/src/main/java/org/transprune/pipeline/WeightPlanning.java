package org.transprune.pipeline;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.transprune.model.LlavaConfig;
import org.transprune.model.TextConfig;
import org.transprune.model.WeightPolicy;

/** Resolves {@link WeightPolicy#AUTO} from the model's size and the memory available. */
public final class WeightPlanning {
    private WeightPlanning() {}

    /** Bytes the decoder's weights take in fp32 (embeddings and LM head included). */
    public static long fp32DecoderBytes(TextConfig t) {
        long d = t.hiddenSize();
        long kv = (long) t.numKeyValueHeads() * t.headDim();
        long perLayer = d * d * 2 + d * kv * 2 + 3 * d * t.intermediateSize() + 2 * d;
        long embeddings = (long) t.vocabSize() * d * (t.tieWordEmbeddings() ? 1 : 2);
        return 4 * (perLayer * t.numLayers() + embeddings);
    }

    /**
     * FP32 when the widened decoder fits in 70% of the memory available (leaving room for the
     * vision tower, activations and the page cache of the memory-mapped files), HALF otherwise.
     */
    public static WeightPolicy resolve(WeightPolicy requested, LlavaConfig config) {
        if (requested != WeightPolicy.AUTO) {
            return requested;
        }
        return fp32DecoderBytes(config.text()) < 0.7 * availableBytes() ? WeightPolicy.FP32 : WeightPolicy.HALF;
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
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getFreeMemorySize();
    }
}
