package org.transprune.checkpoint;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.transprune.config.LlavaConfig;
import org.transprune.config.QwenConfig;

/**
 * Writes a random-weight llava-hf checkpoint of any size (real-size shapes included) with a bounded
 * heap, for benchmarking real-size inference without downloading weights.
 *
 * <p>Values are uniform with the standard deviation of the usual N(0, 0.02) initialisation:
 * U(-a, a) with a = 0.02 * sqrt(3); norm weights are 1 + that. Uniform rather than Gaussian because
 * 7 billion Gaussians cost far more than 7 billion uniforms in Java, and timing and memory do not
 * depend on the distribution. (These are not the Gaussian values of {@link RandomLlavaWeights}: the two
 * generators are separate.) Values depend only on the seed, the tensor's name and the element's
 * index, so they are the same whatever the shard split or thread count.
 */
public final class RandomCheckpointWriter {
    /** Hugging Face's default shard size ({@code max_shard_size="5GB"}, decimal). */
    public static final long HF_SHARD_BYTES = 5_000_000_000L;

    /** Standard deviation of the weights. */
    public static final double STD = 0.02;

    /** Elements generated from one seed; chunks handed out by the stream writer are whole blocks. */
    static final int BLOCK_ELEMENTS = 1 << 20;

    private static final float HALF_WIDTH = (float) (STD * Math.sqrt(3));

    /** Stored tensor names and shapes, in file order. */
    private final Map<String, long[]> shapes;
    /** The config.json to write. */
    private final ObjectNode configJson;
    /** Stored name to the canonical name that seeds its values, so every layout holds the same values. */
    private final Map<String, String> canonical;

    private TensorType dtype = TensorType.BF16;
    private long seed;
    private long maxShardBytes = HF_SHARD_BYTES;
    private ExtraFiles extraFiles = dir -> {};

    /** Writes files a checkpoint directory needs beyond config and weights (tokenizer, preprocessor). */
    @FunctionalInterface
    public interface ExtraFiles {
        void write(Path checkpointDir) throws IOException;
    }

    static {
        if (SafetensorsStreamWriter.CHUNK_BYTES % (BLOCK_ELEMENTS * 4) != 0) {
            throw new AssertionError("chunks must hold whole seed blocks for every element size");
        }
    }

    public RandomCheckpointWriter(LlavaConfig config) {
        this(CanonicalNames.shapes(config), ConfigJson.llavaHfJson(config), Map.of());
    }

    private RandomCheckpointWriter(Map<String, long[]> shapes, ObjectNode configJson, Map<String, String> canonical) {
        this.shapes = shapes;
        this.configJson = configJson;
        this.canonical = canonical;
    }

    /**
     * A Qwen2.5-VL checkpoint: the released layout's tensor names and config.json, or newer transformers'
     * ({@code model.visual.*}, {@code model.language_model.*}, a nested {@code text_config}) with {@code nested}.
     */
    public static RandomCheckpointWriter qwen(QwenConfig config, boolean nested) {
        Map<String, long[]> stored = new LinkedHashMap<>();
        Map<String, String> canonical = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : CanonicalNames.qwenShapes(config).entrySet()) {
            String name = nested ? CanonicalNames.toQwenNew(e.getKey()) : CanonicalNames.toQwenReleased(e.getKey());
            stored.put(name, e.getValue());
            canonical.put(name, e.getKey());
        }
        return new RandomCheckpointWriter(stored, QwenConfigJson.json(config, nested), canonical);
    }

    /** Storage type: BF16 (default), F16 or F32. */
    public RandomCheckpointWriter dtype(TensorType dtype) {
        if (dtype != TensorType.BF16 && dtype != TensorType.F16 && dtype != TensorType.F32) {
            throw new IllegalArgumentException("weights can be stored as F32, F16 or BF16, not " + dtype);
        }
        this.dtype = dtype;
        return this;
    }

    public RandomCheckpointWriter seed(long seed) {
        this.seed = seed;
        return this;
    }

    /** Data bytes per shard; default {@link #HF_SHARD_BYTES}. */
    public RandomCheckpointWriter maxShardBytes(long maxShardBytes) {
        this.maxShardBytes = maxShardBytes;
        return this;
    }

    /** Tokenizer, preprocessor and other files, written after the weights and config.json. */
    public RandomCheckpointWriter extraFiles(ExtraFiles extraFiles) {
        this.extraFiles = extraFiles;
        return this;
    }

    /** Every tensor with its stored name, type and shape, in file order (classic llava-hf names). */
    public List<TensorPlan> tensors() {
        List<TensorPlan> out = new ArrayList<>();
        for (Map.Entry<String, long[]> e : shapes.entrySet()) {
            out.add(new TensorPlan(e.getKey(), dtype, e.getValue()));
        }
        return out;
    }

    /** The shard plan, without writing anything. */
    public SafetensorsStreamWriter plan() {
        return SafetensorsStreamWriter.sharded(tensors(), maxShardBytes).metadata("format", "pt");
    }

    /** Writes shards, index, config.json and the extra files into {@code dir}; returns {@code dir}. */
    public Path write(Path dir, SafetensorsStreamWriter.Progress progress) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        plan().write(dir, this::fill, progress);
        SafetensorsWriter.writeAtomically(dir.resolve("config.json"), SafetensorsWriter.prettyJson(configJson));
        try {
            extraFiles.write(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return dir;
    }

    /**
     * Fills one chunk. Blocks of {@link #BLOCK_ELEMENTS} are seeded independently, so the two cores
     * can generate them in parallel (one core narrows about 0.3 G values/s, which alone would make a
     * 7B checkpoint take longer to generate than to write).
     */
    void fill(TensorPlan tensor, long firstElement, ByteBuffer out) {
        int elementBytes = tensor.type().bytes();
        int n = out.remaining() / elementBytes;
        String name = canonical.getOrDefault(tensor.name(), tensor.name());
        boolean norm = isNorm(name);
        long nameHash = fnv1a(name);
        int blocks = (n + BLOCK_ELEMENTS - 1) / BLOCK_ELEMENTS;
        IntStream.range(0, blocks).parallel().forEach(b -> {
            ByteBuffer dst = out.duplicate().order(ByteOrder.LITTLE_ENDIAN);
            int from = b * BLOCK_ELEMENTS;
            int to = Math.min(n, from + BLOCK_ELEMENTS);
            long block = (firstElement + from) / BLOCK_ELEMENTS;
            fillBlock(tensor.type(), norm, mix(seed ^ mix(nameHash + block)), dst, from, to, elementBytes);
        });
    }

    private static void fillBlock(
            TensorType type, boolean norm, long state, ByteBuffer dst, int from, int to, int elementBytes) {
        float offset = norm ? 1f : 0f;
        // Two uniforms per 64-bit SplitMix64 output; the signed 32-bit half scaled by 2^-31 lies in [-1, 1).
        long s = state;
        for (int i = from; i < to; i += 2) {
            s += 0x9E3779B97F4A7C15L;
            long z = mix(s);
            put(type, dst, i * elementBytes, offset + HALF_WIDTH * ((int) z * 0x1p-31f));
            if (i + 1 < to) {
                put(type, dst, (i + 1) * elementBytes, offset + HALF_WIDTH * ((int) (z >>> 32) * 0x1p-31f));
            }
        }
    }

    private static void put(TensorType type, ByteBuffer dst, int at, float v) {
        switch (type) {
            case BF16 -> dst.putShort(at, Narrowing.toBfloat16(v));
            case F16 -> dst.putShort(at, Narrowing.toFloat16(v));
            default -> dst.putFloat(at, v);
        }
    }

    static boolean isNorm(String name) {
        // LLaMA/CLIP norms, and Qwen's vision norms (norm1, norm2) and merger norm (ln_q)
        return name.endsWith("norm.weight") || name.matches(".*norm\\d\\.weight") || name.endsWith("ln_q.weight");
    }

    /** SplitMix64's finaliser. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private static long fnv1a(String s) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < s.length(); i++) {
            h = (h ^ s.charAt(i)) * 0x100000001b3L;
        }
        return h;
    }
}
