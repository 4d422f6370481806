package org.transprune.model;

import java.util.Locale;

/** How position ids behave after image tokens are pruned (docs/method.md#positions). */
public enum PositionPolicy {
    /** Renumber the surviving tokens 0..L'-1 (TransPrune reference, default). */
    RENUMBER,
    /** Keep each token's original position id, leaving gaps (FastV style). */
    KEEP_ORIGINAL;

    /** Parses {@code renumber} or {@code keep-original}. */
    public static PositionPolicy parse(String s) {
        switch (s.toLowerCase(Locale.ROOT).replace('_', '-')) {
            case "renumber":
                return RENUMBER;
            case "keep-original":
                return KEEP_ORIGINAL;
            default:
                throw new IllegalArgumentException(
                        "unknown position policy '" + s + "' (expected renumber or keep-original)");
        }
    }

    /** The spelling used in configuration files. */
    public String configName() {
        return this == RENUMBER ? "renumber" : "keep-original";
    }
}
