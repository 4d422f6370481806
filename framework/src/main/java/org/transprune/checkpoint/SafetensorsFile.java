package org.transprune.checkpoint;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One {@code .safetensors} file, memory-mapped read-only. The header is checked completely when the
 * file is opened; tensor data is mapped lazily in regions under 2 GiB that never split a tensor, so
 * files of any size work and nothing is copied onto the heap.
 */
public final class SafetensorsFile implements TensorSource {
    /** Largest region mapped at once; a ByteBuffer cannot exceed {@code Integer.MAX_VALUE} bytes. */
    static final long DEFAULT_REGION_BYTES = 1L << 30;
    /** Headers beyond this are treated as corrupt rather than read onto the heap. */
    static final long MAX_HEADER_BYTES = 100L << 20;

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private final FileChannel channel;
    private final long dataStart;
    private final Map<String, Entry> entries;
    private final Map<String, String> metadata;
    private final List<Region> regions;
    private volatile boolean closed;

    /** A tensor as the header describes it; {@code type} is null for dtypes the engine does not read. */
    private record Entry(String name, String dtype, TensorType type, long[] shape, long begin, long end) {}

    /** A byte range of the data section that is mapped on first use. */
    private static final class Region {
        final long begin;
        long end;
        MappedByteBuffer buffer;

        Region(long begin, long end) {
            this.begin = begin;
            this.end = end;
        }
    }

    private final Map<String, Region> regionOf = new LinkedHashMap<>();

    private SafetensorsFile(Path file, long regionBytes) {
        this.file = file;
        try {
            this.channel = FileChannel.open(file, StandardOpenOption.READ);
        } catch (IOException e) {
            throw new CheckpointException(file + ": cannot open safetensors file: " + e, e);
        }
        try {
            long size = size();
            if (size < 8) {
                throw fail("file is truncated: " + size + " bytes, less than the 8-byte header length");
            }
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(lenBuf, 0);
            long headerLen = lenBuf.getLong(0);
            if (headerLen < 2 || headerLen > size - 8) {
                throw fail("header length " + headerLen + " does not fit in the file of " + size
                        + " bytes (truncated or not a safetensors file)");
            }
            if (headerLen > MAX_HEADER_BYTES) {
                throw fail("header length " + headerLen + " is implausibly large (corrupt file?)");
            }
            ByteBuffer header = ByteBuffer.allocate((int) headerLen);
            readFully(header, 8);
            this.dataStart = 8 + headerLen;
            JsonNode root;
            try {
                root = JSON.readTree(new String(header.array(), StandardCharsets.UTF_8).strip());
            } catch (JsonProcessingException e) {
                throw fail("header is not valid JSON: " + e.getOriginalMessage());
            }
            if (root == null || !root.isObject()) {
                throw fail("header is not a JSON object");
            }
            Map<String, String> meta = new LinkedHashMap<>();
            Map<String, Entry> parsed = new LinkedHashMap<>();
            long dataSize = size - dataStart;
            for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> f = it.next();
                if (f.getKey().equals("__metadata__")) {
                    f.getValue()
                            .fields()
                            .forEachRemaining(
                                    m -> meta.put(m.getKey(), m.getValue().asText()));
                } else {
                    parsed.put(f.getKey(), parseEntry(f.getKey(), f.getValue(), dataSize));
                }
            }
            this.entries = Collections.unmodifiableMap(parsed);
            this.metadata = Collections.unmodifiableMap(meta);
            this.regions = planRegions(regionBytes);
        } catch (RuntimeException e) {
            closeQuietly();
            throw e;
        }
    }

    /** Opens and checks {@code file}. */
    public static SafetensorsFile open(Path file) {
        return new SafetensorsFile(file, DEFAULT_REGION_BYTES);
    }

    /** Opens with a chosen mapping region size, so tests can exercise several regions on small files. */
    static SafetensorsFile open(Path file, long regionBytes) {
        return new SafetensorsFile(file, regionBytes);
    }

    private Entry parseEntry(String name, JsonNode node, long dataSize) {
        JsonNode dtypeNode = node.get("dtype");
        JsonNode shapeNode = node.get("shape");
        JsonNode offsets = node.get("data_offsets");
        if (dtypeNode == null
                || !dtypeNode.isTextual()
                || shapeNode == null
                || !shapeNode.isArray()
                || offsets == null
                || !offsets.isArray()
                || offsets.size() != 2
                || !offsets.get(0).canConvertToLong()
                || !offsets.get(1).canConvertToLong()) {
            throw fail(
                    "header entry for tensor '" + name + "' needs dtype, shape and data_offsets [begin, end]: " + node);
        }
        String dtype = dtypeNode.asText();
        long[] shape = new long[shapeNode.size()];
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = shapeNode.get(i);
            if (!d.canConvertToLong() || d.asLong() < 0) {
                throw fail("tensor '" + name + "' has an invalid shape " + shapeNode);
            }
            shape[i] = d.asLong();
        }
        long begin = offsets.get(0).asLong();
        long end = offsets.get(1).asLong();
        if (begin < 0 || end < begin) {
            throw fail("tensor '" + name + "' has invalid data_offsets [" + begin + ", " + end + "]");
        }
        if (end > dataSize) {
            throw fail("file is truncated or corrupt: tensor '" + name + "' ends at data byte " + end
                    + " but the data section has only " + dataSize + " bytes");
        }
        TensorType type = null;
        int elementBytes;
        try {
            type = TensorType.fromSafetensors(dtype);
            elementBytes = type.bytes();
        } catch (IllegalArgumentException e) {
            elementBytes = otherDtypeBytes(dtype);
        }
        if (elementBytes > 0) {
            long elements = 1;
            for (long d : shape) {
                elements = Math.multiplyExact(elements, d);
            }
            if (end - begin != elements * elementBytes) {
                throw fail("tensor '" + name + "' has " + (end - begin) + " data bytes but " + dtype + " "
                        + Arrays.toString(shape) + " needs " + elements * elementBytes);
            }
        }
        return new Entry(name, dtype, type, shape, begin, end);
    }

    /** Element sizes of safetensors dtypes the engine does not read; their offsets are still checked. */
    private static int otherDtypeBytes(String dtype) {
        return switch (dtype) {
            case "F64", "U64" -> 8;
            case "U32" -> 4;
            case "I16", "U16" -> 2;
            case "I8", "U8", "BOOL", "F8_E4M3", "F8_E5M2" -> 1;
            default -> 0;
        };
    }

    /**
     * Groups tensors, in file order, into regions no larger than {@code regionBytes}; a tensor larger
     * than that gets a region of its own, which must still fit in a ByteBuffer.
     */
    private List<Region> planRegions(long regionBytes) {
        List<Entry> sorted = new ArrayList<>(entries.values());
        sorted.sort(Comparator.comparingLong(Entry::begin));
        List<Region> out = new ArrayList<>();
        Region cur = null;
        for (Entry e : sorted) {
            if (e.end - e.begin > Integer.MAX_VALUE) {
                throw fail("tensor '" + e.name + "' has " + (e.end - e.begin)
                        + " bytes; tensors over 2 GiB cannot be mapped");
            }
            if (cur == null || e.end - cur.begin > regionBytes) {
                cur = new Region(e.begin, e.end);
                out.add(cur);
            } else {
                cur.end = Math.max(cur.end, e.end);
            }
            regionOf.put(e.name, cur);
        }
        return out;
    }

    /** Number of mapping regions (for tests of large-file handling). */
    int regionCount() {
        return regions.size();
    }

    /** The file this source reads. */
    public Path file() {
        return file;
    }

    /** The header's {@code __metadata__} string map (empty when absent). */
    public Map<String, String> metadata() {
        return metadata;
    }

    @Override
    public Set<String> names() {
        return entries.keySet();
    }

    @Override
    public boolean contains(String name) {
        return entries.containsKey(name);
    }

    @Override
    public TensorInfo info(String name) {
        Entry e = entry(name);
        return new TensorInfo(name, e.type, e.shape.clone(), file, dataStart + e.begin);
    }

    /** The dtype string as stored, also for dtypes the engine does not read. */
    public String dtype(String name) {
        return lookup(name).dtype;
    }

    @Override
    public ByteBuffer bytes(String name) {
        Entry e = entry(name);
        Region r = regionOf.get(name);
        MappedByteBuffer buffer = mapped(r);
        ByteBuffer view = buffer.duplicate();
        view.position((int) (e.begin - r.begin)).limit((int) (e.end - r.begin));
        return view.slice().asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }

    private synchronized MappedByteBuffer mapped(Region r) {
        ensureOpen();
        if (r.buffer == null) {
            try {
                r.buffer = channel.map(FileChannel.MapMode.READ_ONLY, dataStart + r.begin, r.end - r.begin);
            } catch (IOException e) {
                throw new CheckpointException(
                        file + ": cannot map bytes " + (dataStart + r.begin) + ".." + (dataStart + r.end) + ": " + e,
                        e);
            }
        }
        return r.buffer;
    }

    private Entry lookup(String name) {
        ensureOpen();
        Entry e = entries.get(name);
        if (e == null) {
            throw CloseNames.missing(name, describe(), entries.keySet());
        }
        return e;
    }

    private Entry entry(String name) {
        Entry e = lookup(name);
        if (e.type == null) {
            throw new CheckpointException(file + ": tensor '" + name + "' has unsupported dtype '" + e.dtype
                    + "' (supported: F32, F16, BF16, I64, I32)");
        }
        return e;
    }

    @Override
    public String describe() {
        return file.toString();
    }

    /** Closes the file. Mappings stay valid until collected, so arrays already created keep working. */
    @Override
    public synchronized void close() {
        closed = true;
        for (Region r : regions) {
            r.buffer = null;
        }
        closeQuietly();
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException(file + " is closed");
        }
    }

    private void readFully(ByteBuffer buf, long position) throws CheckpointException {
        try {
            long pos = position;
            while (buf.hasRemaining()) {
                int n = channel.read(buf, pos);
                if (n < 0) {
                    throw fail("file is truncated: unexpected end at byte " + pos);
                }
                pos += n;
            }
        } catch (IOException e) {
            throw new CheckpointException(file + ": cannot read: " + e, e);
        }
    }

    private long size() {
        try {
            return channel.size();
        } catch (IOException e) {
            throw new CheckpointException(file + ": cannot read: " + e, e);
        }
    }

    private void closeQuietly() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // Nothing to recover: the file was only read.
        }
    }

    private CheckpointException fail(String message) {
        return new CheckpointException(file + ": " + message);
    }
}
