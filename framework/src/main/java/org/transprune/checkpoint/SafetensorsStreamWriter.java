package org.transprune.checkpoint;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes safetensors shards whose tensors are produced while writing, so a checkpoint of any size
 * is written with a bounded heap: the plan (names, types, shapes) fixes every header first, then a
 * {@link Filler} fills one chunk of one tensor at a time into a reused direct buffer. Unlike
 * {@link SafetensorsWriter}, which keeps every float array until it writes, nothing but the chunk
 * buffer is held. Shards and index follow Hugging Face's naming; each file appears atomically and
 * the index is written last, so its presence means every shard is complete.
 */
public final class SafetensorsStreamWriter {
    /** Bytes handed to the filler at once; a multiple of every element size. */
    public static final int CHUNK_BYTES = 8 << 20;

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final Map<String, String> metadata = new LinkedHashMap<>();
    private final List<Shard> shards;

    /** Produces tensor data. */
    @FunctionalInterface
    public interface Filler {
        /**
         * Fills {@code out} (little-endian, {@code out.remaining()} bytes, a whole number of elements)
         * with the elements of {@code tensor} starting at element {@code firstElement}. Called in order,
         * chunk by chunk, with chunks of {@link #CHUNK_BYTES} except the last of each tensor.
         */
        void fill(TensorPlan tensor, long firstElement, ByteBuffer out);
    }

    /** Told after each chunk; for progress lines. */
    @FunctionalInterface
    public interface Progress {
        void written(long bytesSoFar, long totalBytes);
    }

    /**
     * One output file.
     *
     * @param fileName {@code model-0000i-of-0000n.safetensors}, or the single file's name
     * @param tensors its tensors in file order
     */
    public record Shard(String fileName, List<TensorPlan> tensors) {
        public long dataBytes() {
            return tensors.stream().mapToLong(TensorPlan::byteLength).sum();
        }
    }

    private SafetensorsStreamWriter(List<Shard> shards) {
        this.shards = List.copyOf(shards);
    }

    /**
     * Plans shards of at most {@code maxShardBytes} of data each, tensors kept in order and never
     * split (a larger tensor gets a shard of its own), as {@link SafetensorsWriter#writeSharded} does.
     */
    public static SafetensorsStreamWriter sharded(List<TensorPlan> tensors, long maxShardBytes) {
        List<List<TensorPlan>> groups =
                SafetensorsWriter.groupIntoShards(tensors, TensorPlan::byteLength, maxShardBytes);
        List<Shard> shards = new ArrayList<>();
        for (int i = 0; i < groups.size(); i++) {
            shards.add(new Shard(SafetensorsWriter.shardName(i + 1, groups.size()), List.copyOf(groups.get(i))));
        }
        return new SafetensorsStreamWriter(shards);
    }

    /** Adds a {@code __metadata__} entry to every shard, e.g. {@code format=pt}. */
    public SafetensorsStreamWriter metadata(String key, String value) {
        metadata.put(key, value);
        return this;
    }

    /** The planned files. */
    public List<Shard> shards() {
        return shards;
    }

    /** Total bytes of tensor data. */
    public long dataBytes() {
        return shards.stream().mapToLong(Shard::dataBytes).sum();
    }

    /** The index document ({@code metadata.total_size}, {@code weight_map}) for the planned shards. */
    public ObjectNode index() {
        ObjectNode index = JSON.createObjectNode();
        index.putObject("metadata").put("total_size", dataBytes());
        ObjectNode weightMap = index.putObject("weight_map");
        for (Shard s : shards) {
            for (TensorPlan p : s.tensors()) {
                weightMap.put(p.name(), s.fileName());
            }
        }
        return index;
    }

    /**
     * Writes every shard into {@code dir}, then the index {@value SafetensorsWriter#INDEX_FILE}.
     *
     * @return the shard files in order
     */
    public List<Path> write(Path dir, Filler filler, Progress progress) {
        long total = dataBytes();
        long[] done = {0};
        // One direct buffer for the whole checkpoint: the heap never holds tensor data.
        ByteBuffer chunk = ByteBuffer.allocateDirect(CHUNK_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        List<Path> files = new ArrayList<>();
        for (Shard shard : shards) {
            Path file = dir.resolve(shard.fileName());
            ByteBuffer head = SafetensorsWriter.header(metadata, shard.tensors());
            SafetensorsWriter.withTemporary(file, tmp -> {
                try (FileChannel ch = FileChannel.open(
                        tmp,
                        StandardOpenOption.WRITE,
                        StandardOpenOption.CREATE,
                        StandardOpenOption.TRUNCATE_EXISTING)) {
                    SafetensorsWriter.writeAll(ch, head);
                    for (TensorPlan t : shard.tensors()) {
                        int elementBytes = t.type().bytes();
                        long elements = t.elements();
                        long chunkElements = CHUNK_BYTES / elementBytes;
                        for (long first = 0; first < elements; first += chunkElements) {
                            int n = (int) Math.min(chunkElements, elements - first);
                            chunk.clear().limit(n * elementBytes);
                            filler.fill(t, first, chunk.slice().order(ByteOrder.LITTLE_ENDIAN));
                            chunk.position(0).limit(n * elementBytes);
                            SafetensorsWriter.writeAll(ch, chunk);
                            done[0] += (long) n * elementBytes;
                            progress.written(done[0], total);
                        }
                    }
                    ch.force(true);
                }
            });
            files.add(file);
        }
        try {
            SafetensorsWriter.writeAtomically(
                    dir.resolve(SafetensorsWriter.INDEX_FILE), JSON.writeValueAsBytes(index()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return files;
    }
}
