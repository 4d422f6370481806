package org.transprune.checkpoint;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** Tensors held in direct buffers: for randomly initialised models and tests. */
public final class InMemoryTensorSource implements TensorSource {
    private final Map<String, TensorInfo> infos = new LinkedHashMap<>();
    private final Map<String, ByteBuffer> data = new LinkedHashMap<>();
    private final String description;

    public InMemoryTensorSource(String description) {
        this.description = description;
    }

    /** Adds an F32 tensor. */
    public InMemoryTensorSource put(String name, float[] values, long... shape) {
        ByteBuffer b = ByteBuffer.allocateDirect(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        return put(name, TensorType.F32, b, shape);
    }

    /** Adds a tensor from raw little-endian bytes. */
    public InMemoryTensorSource put(String name, TensorType type, ByteBuffer bytes, long... shape) {
        TensorInfo info = new TensorInfo(name, type, shape.clone(), Path.of("<memory>"), 0);
        if (bytes.remaining() != info.byteLength()) {
            throw new IllegalArgumentException(name + ": " + bytes.remaining() + " bytes for " + info.byteLength());
        }
        infos.put(name, info);
        data.put(name, bytes.slice().order(ByteOrder.LITTLE_ENDIAN));
        return this;
    }

    @Override
    public Set<String> names() {
        return Collections.unmodifiableSet(infos.keySet());
    }

    @Override
    public TensorInfo info(String name) {
        TensorInfo i = infos.get(name);
        if (i == null) {
            throw new MissingTensorException(description + ": no tensor named '" + name + "'");
        }
        return i;
    }

    @Override
    public ByteBuffer bytes(String name) {
        info(name);
        return data.get(name).duplicate().order(ByteOrder.LITTLE_ENDIAN);
    }

    @Override
    public String describe() {
        return description;
    }

    @Override
    public void close() {}
}
