package org.transprune.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;

/**
 * Per-layer keys and values of the tokens each layer actually processed: after a prune, later
 * layers hold fewer entries than earlier ones. Keys are stored after RoPE. Each layer also
 * remembers the position id the next token gets there, so decoding stays consistent with the
 * (renumbered or original) prefill positions (docs/method.md#kv-cache).
 */
public final class KvCache implements AutoCloseable {
    /** Room left for decoded tokens when a layer's buffer is first allocated; it doubles when full. */
    private static final int DECODE_RESERVE = 32;

    private final NDManager manager;
    private final NDArray[] keys;
    private final NDArray[] values;
    private final int[] length;
    private final int[] nextPosition;

    KvCache(NDManager parent, int layers) {
        manager = parent.newSubManager();
        keys = new NDArray[layers];
        values = new NDArray[layers];
        length = new int[layers];
        nextPosition = new int[layers];
    }

    /** Tokens cached at layer {@code i} (0-based). */
    public int length(int i) {
        return length[i];
    }

    /** Tokens cached per layer, first layer first. */
    public int[] lengths() {
        return length.clone();
    }

    /** Bytes the cached tokens would take with {@code bytesPerElement}-byte elements (2 for fp16). */
    public long bytes(int bytesPerElement) {
        long total = 0;
        for (int i = 0; i < keys.length; i++) {
            if (keys[i] != null) {
                long perToken = keys[i].getShape().get(0) * keys[i].getShape().get(2);
                total += 2L * length[i] * perToken * bytesPerElement;
            }
        }
        return total;
    }

    int nextPosition(int i) {
        return nextPosition[i];
    }

    /** The cached keys {@code [KV, length, hd]} of layer {@code i}, as a view owned by {@code step}. */
    NDArray keys(int i, NDManager step) {
        return filled(keys[i], length[i], step);
    }

    /** The cached values {@code [KV, length, hd]} of layer {@code i}, as a view owned by {@code step}. */
    NDArray values(int i, NDManager step) {
        return filled(values[i], length[i], step);
    }

    private static NDArray filled(NDArray buffer, int length, NDManager step) {
        NDArray view = buffer.get(new NDIndex(":, 0:{}, :", length));
        view.attach(step);
        return view;
    }

    /**
     * Appends {@code [KV, n, hd]} keys/values at layer {@code i}; the last new token had position
     * {@code lastPosition}. Buffers are preallocated with room to grow and written in place: a new
     * array per decoded token (a concat) fragmented the allocator by ~0.6 GB per token at 7B size.
     */
    void append(int i, NDArray k, NDArray v, int lastPosition) {
        int n = (int) k.getShape().get(1);
        ensureCapacity(i, k, length[i] + n);
        NDIndex slot = new NDIndex(":, {}:{}, :", length[i], length[i] + n);
        keys[i].set(slot, k);
        values[i].set(slot, v);
        length[i] += n;
        nextPosition[i] = lastPosition + 1;
    }

    private void ensureCapacity(int i, NDArray like, int needed) {
        long capacity = keys[i] == null ? 0 : keys[i].getShape().get(1);
        if (needed <= capacity) {
            return;
        }
        long newCapacity = Math.max(needed + (long) DECODE_RESERVE, 2 * capacity);
        Shape shape =
                new Shape(like.getShape().get(0), newCapacity, like.getShape().get(2));
        NDArray nk = Upload.zeros(manager, shape, like.getDataType());
        NDArray nv = Upload.zeros(manager, shape, like.getDataType());
        if (keys[i] != null) {
            NDIndex old = new NDIndex(":, 0:{}, :", length[i]);
            try (NDArray ok = keys[i].get(old);
                    NDArray ov = values[i].get(old)) {
                nk.set(old, ok);
                nv.set(old, ov);
            }
            keys[i].close();
            values[i].close();
        }
        keys[i] = nk;
        values[i] = nv;
    }

    @Override
    public void close() {
        manager.close();
    }
}
