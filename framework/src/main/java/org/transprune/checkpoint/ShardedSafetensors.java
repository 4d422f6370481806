package org.transprune.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A checkpoint split into several safetensors files by a Hugging Face index
 * ({@code model.safetensors.index.json}, whose {@code weight_map} names each tensor's shard). Every
 * shard listed must exist when the index is opened; shards are opened on first use.
 */
public final class ShardedSafetensors implements TensorSource {
    private final Path index;
    private final Map<String, String> weightMap;
    private final Map<String, SafetensorsFile> open = new LinkedHashMap<>();
    private final long regionBytes;
    private boolean closed;

    private ShardedSafetensors(Path index, long regionBytes) {
        this.index = index;
        this.regionBytes = regionBytes;
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(Files.readAllBytes(index));
        } catch (IOException e) {
            throw new CheckpointException(index + ": cannot read the shard index: " + e.getMessage(), e);
        }
        JsonNode map = root == null ? null : root.get("weight_map");
        if (map == null || !map.isObject()) {
            throw new CheckpointException(index + ": the shard index has no 'weight_map' object");
        }
        Map<String, String> m = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = map.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            m.put(e.getKey(), e.getValue().asText());
        }
        this.weightMap = Collections.unmodifiableMap(m);
        Set<String> missing = new TreeSet<>();
        for (String shard : new TreeSet<>(m.values())) {
            if (!Files.isRegularFile(shardPath(shard))) {
                missing.add(shard);
            }
        }
        if (!missing.isEmpty()) {
            throw new CheckpointException(index + ": shard file(s) listed in the index are missing from "
                    + index.toAbsolutePath().getParent() + ": " + String.join(", ", missing));
        }
    }

    /** Opens the index file {@code index}; shards are resolved next to it. */
    public static ShardedSafetensors open(Path index) {
        return new ShardedSafetensors(index, SafetensorsFile.DEFAULT_REGION_BYTES);
    }

    static ShardedSafetensors open(Path index, long regionBytes) {
        return new ShardedSafetensors(index, regionBytes);
    }

    private Path shardPath(String shard) {
        return index.toAbsolutePath().getParent().resolve(shard);
    }

    /** The shard holding {@code name}, checked to really contain it. */
    private synchronized SafetensorsFile shardOf(String name) {
        if (closed) {
            throw new IllegalStateException(index + " is closed");
        }
        String shard = weightMap.get(name);
        if (shard == null) {
            throw CloseNames.missing(name, describe(), weightMap.keySet());
        }
        SafetensorsFile file = open.get(shard);
        if (file == null) {
            file = SafetensorsFile.open(shardPath(shard), regionBytes);
            open.put(shard, file);
        }
        if (!file.contains(name)) {
            throw new MissingTensorException("tensor '" + name + "' is listed in " + index + " under shard " + shard
                    + " but " + file.file() + " does not contain it");
        }
        return file;
    }

    /** The index's tensor-to-shard map. */
    public Map<String, String> weightMap() {
        return weightMap;
    }

    @Override
    public Set<String> names() {
        return weightMap.keySet();
    }

    @Override
    public boolean contains(String name) {
        return weightMap.containsKey(name);
    }

    @Override
    public TensorInfo info(String name) {
        return shardOf(name).info(name);
    }

    @Override
    public ByteBuffer bytes(String name) {
        return shardOf(name).bytes(name);
    }

    @Override
    public String describe() {
        return index.toString();
    }

    @Override
    public synchronized void close() {
        closed = true;
        open.values().forEach(SafetensorsFile::close);
        open.clear();
    }
}
