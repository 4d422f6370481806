package org.transprune.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * Per-layer keys and values of the tokens each layer actually processed: after a prune, later
 * layers hold fewer entries than earlier ones. Keys are stored after RoPE. Each layer also
 * remembers the position id the next token gets there, so decoding stays consistent with the
 * (renumbered or original) prefill positions (spec section 4).
 */
public final class KvCache implements AutoCloseable {
    private final NDManager manager;
    private final NDArray[] keys;
    private final NDArray[] values;
    private final int[] nextPosition;

    KvCache(NDManager parent, int layers) {
        manager = parent.newSubManager();
        keys = new NDArray[layers];
        values = new NDArray[layers];
        nextPosition = new int[layers];
    }

    /** Tokens cached at layer {@code i} (0-based). */
    public int length(int i) {
        return keys[i] == null ? 0 : (int) keys[i].getShape().get(1);
    }

    /** Tokens cached per layer, first layer first. */
    public int[] lengths() {
        int[] n = new int[keys.length];
        for (int i = 0; i < n.length; i++) {
            n[i] = length(i);
        }
        return n;
    }

    /** Bytes the cache would take with {@code bytesPerElement}-byte elements (2 for fp16). */
    public long bytes(int bytesPerElement) {
        long total = 0;
        for (int i = 0; i < keys.length; i++) {
            if (keys[i] != null) {
                total += 2L * keys[i].size() * bytesPerElement;
            }
        }
        return total;
    }

    int nextPosition(int i) {
        return nextPosition[i];
    }

    NDArray keys(int i) {
        return keys[i];
    }

    NDArray values(int i) {
        return values[i];
    }

    /** Appends {@code [KV, n, hd]} keys/values at layer {@code i}; the last new token had position {@code lastPosition}. */
    void append(int i, NDArray k, NDArray v, int lastPosition) {
        if (keys[i] == null) {
            keys[i] = k;
            values[i] = v;
        } else {
            NDArray nk = Functional.concat(1, keys[i], k);
            NDArray nv = Functional.concat(1, values[i], v);
            keys[i].close();
            values[i].close();
            keys[i] = nk;
            values[i] = nv;
        }
        keys[i].attach(manager);
        values[i].attach(manager);
        nextPosition[i] = lastPosition + 1;
    }

    @Override
    public void close() {
        manager.close();
    }
}
