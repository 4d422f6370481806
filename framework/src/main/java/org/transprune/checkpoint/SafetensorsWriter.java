package org.transprune.checkpoint;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToLongFunction;

/**
 * Collects named tensors and writes them as one safetensors file or as Hugging Face shards with an
 * index. Floats are stored as F32, F16 or BF16 (narrowed with round-to-nearest-even, as PyTorch does);
 * raw bytes are stored as given. Files appear atomically: written to a temporary name, then renamed.
 * Tensors keep their insertion order in the file.
 */
public final class SafetensorsWriter {
    /** Hugging Face's name of the shard index. */
    public static final String INDEX_FILE = "model.safetensors.index.json";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final ObjectMapper COMPACT = new ObjectMapper();
    private static final int CHUNK = 1 << 20;

    private final Map<String, Pending> tensors = new LinkedHashMap<>();
    private final Map<String, String> metadata = new LinkedHashMap<>();

    /** A tensor waiting to be written; floats are narrowed only when written, to avoid a second copy. */
    private record Pending(String name, TensorType type, long[] shape, float[] floats, ByteBuffer raw) {
        long byteLength() {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            return n * type.bytes();
        }
    }

    /** Adds a {@code __metadata__} entry, e.g. {@code format=pt}. */
    public SafetensorsWriter metadata(String key, String value) {
        metadata.put(key, value);
        return this;
    }

    /**
     * Adds a float tensor stored as {@code type} (F32, F16 or BF16). The array is not copied: do not
     * change it before writing.
     */
    public SafetensorsWriter add(String name, float[] values, TensorType type, long... shape) {
        if (type != TensorType.F32 && type != TensorType.F16 && type != TensorType.BF16) {
            throw new IllegalArgumentException("floats can be stored as F32, F16 or BF16, not " + type);
        }
        Pending p = new Pending(name, type, shape.clone(), values, null);
        if (p.byteLength() != (long) values.length * type.bytes()) {
            throw new IllegalArgumentException(
                    "tensor '" + name + "': " + values.length + " values do not fill shape " + Arrays.toString(shape));
        }
        return put(p);
    }

    /** Adds a tensor from its little-endian bytes, stored as they are. */
    public SafetensorsWriter addRaw(String name, TensorType type, long[] shape, ByteBuffer littleEndianBytes) {
        ByteBuffer raw = littleEndianBytes.slice().asReadOnlyBuffer();
        Pending p = new Pending(name, type, shape.clone(), null, raw);
        if (p.byteLength() != raw.remaining()) {
            throw new IllegalArgumentException("tensor '" + name + "': " + raw.remaining() + " bytes do not match "
                    + type + " " + Arrays.toString(shape) + " (" + p.byteLength() + " bytes)");
        }
        return put(p);
    }

    private SafetensorsWriter put(Pending p) {
        if (p.name.equals("__metadata__") || tensors.putIfAbsent(p.name, p) != null) {
            throw new IllegalArgumentException("duplicate or reserved tensor name '" + p.name + "'");
        }
        return this;
    }

    /** Total bytes of tensor data added so far. */
    public long dataBytes() {
        return tensors.values().stream().mapToLong(Pending::byteLength).sum();
    }

    /** Writes every tensor to {@code file}, replacing it atomically. */
    public void write(Path file) {
        writeFile(file, new ArrayList<>(tensors.values()));
    }

    /**
     * Writes the tensors as shards {@code model-0000i-of-0000n.safetensors} in {@code dir}, each at most
     * {@code maxShardBytes} of data (a larger tensor gets a shard of its own), then the index
     * {@value #INDEX_FILE} with {@code metadata.total_size} and {@code weight_map}. The index is
     * written last, so its presence means every shard is complete.
     *
     * @return the shard files in order
     */
    public List<Path> writeSharded(Path dir, long maxShardBytes) {
        List<List<Pending>> shards =
                groupIntoShards(new ArrayList<>(tensors.values()), Pending::byteLength, maxShardBytes);
        ObjectNode index = JSON.createObjectNode();
        index.putObject("metadata").put("total_size", dataBytes());
        ObjectNode weightMap = index.putObject("weight_map");
        List<Path> files = new ArrayList<>();
        for (int i = 0; i < shards.size(); i++) {
            String shardName = shardName(i + 1, shards.size());
            Path shard = dir.resolve(shardName);
            writeFile(shard, shards.get(i));
            files.add(shard);
            for (Pending p : shards.get(i)) {
                weightMap.put(p.name, shardName);
            }
        }
        try {
            writeAtomically(dir.resolve(INDEX_FILE), JSON.writeValueAsBytes(index));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return files;
    }

    /**
     * Splits {@code items} into consecutive shards of at most {@code maxShardBytes} each, order kept and
     * no item split (a larger one gets a shard of its own); always at least one shard.
     */
    static <T> List<List<T>> groupIntoShards(List<T> items, ToLongFunction<T> bytes, long maxShardBytes) {
        if (maxShardBytes <= 0) {
            throw new IllegalArgumentException("maxShardBytes must be positive");
        }
        List<List<T>> shards = new ArrayList<>();
        List<T> cur = new ArrayList<>();
        long curBytes = 0;
        for (T item : items) {
            long b = bytes.applyAsLong(item);
            if (!cur.isEmpty() && curBytes + b > maxShardBytes) {
                shards.add(cur);
                cur = new ArrayList<>();
                curBytes = 0;
            }
            cur.add(item);
            curBytes += b;
        }
        if (!cur.isEmpty() || shards.isEmpty()) {
            shards.add(cur);
        }
        return shards;
    }

    private void writeFile(Path file, List<Pending> list) {
        List<TensorPlan> plans = new ArrayList<>();
        for (Pending p : list) {
            plans.add(new TensorPlan(p.name, p.type, p.shape));
        }
        ByteBuffer head = header(metadata, plans);
        withTemporary(file, tmp -> {
            try (FileChannel ch = FileChannel.open(
                    tmp, StandardOpenOption.WRITE, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING)) {
                writeAll(ch, head);
                ByteBuffer chunk = ByteBuffer.allocate(CHUNK).order(ByteOrder.LITTLE_ENDIAN);
                for (Pending p : list) {
                    if (p.raw != null) {
                        writeAll(ch, p.raw.duplicate());
                    } else {
                        writeFloats(ch, p, chunk);
                    }
                }
                ch.force(true);
            }
        });
    }

    /**
     * The 8-byte length and the JSON header of a file holding {@code plans} in order, padded with
     * spaces so that the data section starts 8-byte aligned, as the format asks.
     */
    static ByteBuffer header(Map<String, String> metadata, List<TensorPlan> plans) {
        ObjectNode header = COMPACT.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode meta = header.putObject("__metadata__");
            metadata.forEach(meta::put);
        }
        long offset = 0;
        for (TensorPlan p : plans) {
            ObjectNode t = header.putObject(p.name());
            t.put("dtype", p.type().safetensorsName());
            ArrayNode shape = t.putArray("shape");
            for (long d : p.shape()) {
                shape.add(d);
            }
            t.putArray("data_offsets").add(offset).add(offset + p.byteLength());
            offset += p.byteLength();
        }
        byte[] json;
        try {
            json = COMPACT.writeValueAsBytes(header);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(json);
        while (head.hasRemaining()) {
            head.put((byte) ' ');
        }
        head.flip();
        return head;
    }

    /** Hugging Face's shard file name, {@code model-0000i-of-0000n.safetensors} (1-based). */
    static String shardName(int index, int count) {
        return String.format("model-%05d-of-%05d.safetensors", index, count);
    }

    private static void writeFloats(FileChannel ch, Pending p, ByteBuffer chunk) throws IOException {
        float[] v = p.floats;
        chunk.clear();
        for (float f : v) {
            if (chunk.remaining() < 4) {
                chunk.flip();
                writeAll(ch, chunk);
                chunk.clear();
            }
            switch (p.type) {
                case F32 -> chunk.putFloat(f);
                case F16 -> chunk.putShort(Narrowing.toFloat16(f));
                default -> chunk.putShort(Narrowing.toBfloat16(f));
            }
        }
        chunk.flip();
        writeAll(ch, chunk);
    }

    static void writeAll(FileChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
    }

    /** Writes {@code bytes} to {@code file} through a temporary file and a rename. */
    static void writeAtomically(Path file, byte[] bytes) {
        withTemporary(file, tmp -> Files.write(tmp, bytes));
    }

    interface Body {
        void write(Path tmp) throws IOException;
    }

    static void withTemporary(Path file, Body body) {
        Path target = file.toAbsolutePath();
        Path tmp = null;
        try {
            Files.createDirectories(target.getParent());
            tmp = Files.createTempFile(target.getParent(), "." + target.getFileName(), ".tmp");
            body.write(tmp);
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            tmp = null;
        } catch (IOException e) {
            throw new CheckpointException(target + ": cannot write: " + e, e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // The write already failed; that error is the one to report.
                }
            }
        }
    }

    /** Text of a JSON document as this writer formats it (used for config files). */
    static byte[] prettyJson(Object tree) {
        try {
            return JSON.writeValueAsBytes(tree);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
