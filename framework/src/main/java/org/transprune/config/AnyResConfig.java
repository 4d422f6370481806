package org.transprune.config;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * LLaVA-NeXT's AnyRes settings of a model: the candidate resolutions, how they are read, and how
 * tile features are merged (see docs/llava-next.md).
 *
 * @param pinpoints {@code image_grid_pinpoints} as written in config.json, each a pair {@code [a, b]}
 *     in its original order (order decides ties)
 * @param rules {@code hf} (Hugging Face: a pinpoint is (height, width), unpadding rounds to 7
 *     decimals) or {@code llava} (original LLaVA: (width, height), plain truncation)
 * @param newline whether an {@code image_newline} embedding ends every row of the tile grid (true for
 *     {@code spatial_unpad}, the merge type of every released LLaVA-v1.6 checkpoint)
 */
public record AnyResConfig(List<int[]> pinpoints, String rules, boolean newline) {

    /** Rule set of Hugging Face's llava-hf conversions. */
    public static final String HF = "hf";
    /** Rule set of the original LLaVA code. */
    public static final String LLAVA = "llava";

    public AnyResConfig {
        TextConfig.require(pinpoints != null && !pinpoints.isEmpty(), "image_grid_pinpoints is empty");
        List<int[]> copy = new ArrayList<>(pinpoints.size());
        for (int i = 0; i < pinpoints.size(); i++) {
            int[] p = pinpoints.get(i);
            TextConfig.require(
                    p != null && p.length == 2 && p[0] > 0 && p[1] > 0,
                    "image_grid_pinpoints[" + i + "] must be a pair of positive sizes, found "
                            + (p == null ? "null" : Arrays.toString(p)));
            copy.add(p.clone());
        }
        pinpoints = List.copyOf(copy);
        TextConfig.require(
                HF.equals(rules) || LLAVA.equals(rules),
                "unknown anyres rule set '" + rules + "' (expected hf or llava)");
    }

    /** The pinpoints of the released LLaVA-v1.6 checkpoints. */
    public static List<int[]> standardPinpoints() {
        return List.of(
                new int[] {336, 672}, new int[] {672, 336}, new int[] {672, 672}, new int[] {1008, 336}, new int[] {
                    336, 1008
                });
    }

    /** The same settings under another rule set. */
    public AnyResConfig withRules(String other) {
        return new AnyResConfig(pinpoints, other, newline);
    }

    /** Copies of the pinpoints (callers may not change the record's). */
    public List<int[]> pinpointCopies() {
        List<int[]> out = new ArrayList<>(pinpoints.size());
        pinpoints.forEach(p -> out.add(p.clone()));
        return out;
    }

    /** Checks that every pinpoint is a pair of multiples of the tower's input size. */
    void checkTileMultiples(int tileSize) {
        for (int i = 0; i < pinpoints.size(); i++) {
            int[] p = pinpoints.get(i);
            TextConfig.require(
                    p[0] % tileSize == 0 && p[1] % tileSize == 0,
                    "image_grid_pinpoints[" + i + "] = " + Arrays.toString(p)
                            + " is not a pair of multiples of the vision tower's image_size " + tileSize);
        }
    }

    /** Most image tokens any image can give: the base view plus the largest grid, unpadded to nothing. */
    public int maxImageTokens(int tileSize, int patchGrid) {
        int max = 0;
        for (int[] p : pinpoints) {
            int rows = p[0] / tileSize * patchGrid;
            int cols = p[1] / tileSize * patchGrid;
            // rows and columns swap roles between rule sets; the bound covers both readings
            int grid = Math.max(rows * (cols + (newline ? 1 : 0)), cols * (rows + (newline ? 1 : 0)));
            max = Math.max(max, grid);
        }
        return patchGrid * patchGrid + max;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof AnyResConfig a) || a.newline != newline || !a.rules.equals(rules)) {
            return false;
        }
        if (a.pinpoints.size() != pinpoints.size()) {
            return false;
        }
        for (int i = 0; i < pinpoints.size(); i++) {
            if (!Arrays.equals(a.pinpoints.get(i), pinpoints.get(i))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        int h = rules.hashCode() * 31 + (newline ? 1 : 0);
        for (int[] p : pinpoints) {
            h = h * 31 + Arrays.hashCode(p);
        }
        return h;
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("AnyResConfig[pinpoints=");
        pinpoints.forEach(p -> b.append(Arrays.toString(p)));
        return b.append(", rules=")
                .append(rules)
                .append(", newline=")
                .append(newline)
                .append(']')
                .toString();
    }
}
