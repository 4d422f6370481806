package org.transprune.model;

import java.util.Locale;

/**
 * How decoder weights are held in memory under fp32 compute (either way it computes in fp32); under fp16
 * compute ({@link ComputeDtype}) every weight is held in fp16 instead.
 */
public enum WeightPolicy {
    /** Every decoder layer widened to fp32 once, at load time. */
    FP32,
    /**
     * Decoder weights stay in their on-disk precision (memory-mapped) and each layer is widened
     * to fp32 just before it runs and released after; exact, since widening is exact.
     */
    HALF,
    /** FP32 when it fits in the memory available, HALF otherwise. */
    AUTO;

    public static WeightPolicy parse(String s) {
        try {
            return valueOf(s.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown weight policy '" + s + "' (expected fp32, half or auto)");
        }
    }
}
