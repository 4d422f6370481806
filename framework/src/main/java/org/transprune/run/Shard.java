package org.transprune.run;

/**
 * A deterministic part of a sweep's work: unit (configuration, benchmark, sample) belongs to
 * shard {@code index} of {@code count} when a SHA-256 of its three names, taken modulo
 * {@code count}, equals {@code index}. Every unit is in exactly one shard, whatever machine
 * computes it, and shards stay balanced however the grid is ordered.
 *
 * @param index 0-based, below {@code count}
 * @param count number of shards, at least 1
 */
public record Shard(int index, int count) {
    /** All the work. */
    public static final Shard ALL = new Shard(0, 1);

    public Shard {
        if (count < 1 || index < 0 || index >= count) {
            throw new IllegalArgumentException("shard " + index + "/" + count + ": need N >= 1 and 0 <= k < N"
                    + " (shards are numbered from 0, like Slurm array tasks)");
        }
    }

    /** Parses {@code k/N}. */
    public static Shard parse(String text) {
        String[] parts = text.trim().split("/");
        if (parts.length != 2) {
            throw new IllegalArgumentException("--shard must be k/N (e.g. 0/4), got '" + text + "'");
        }
        try {
            return new Shard(Integer.parseInt(parts[0].trim()), Integer.parseInt(parts[1].trim()));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--shard must be k/N with integers, got '" + text + "'");
        }
    }

    /** Whether this is the whole sweep. */
    public boolean isAll() {
        return count == 1;
    }

    /** Whether the unit belongs to this shard. */
    public boolean owns(String configHash, String benchmark, String sampleKey) {
        if (count == 1) {
            return true;
        }
        String hex = RunConfiguration.sha256Hex(configHash + "\u0000" + benchmark + "\u0000" + sampleKey);
        long h = Long.parseUnsignedLong(hex.substring(0, 15), 16);
        return h % count == index;
    }

    /** Directory name of this shard's output, e.g. {@code shard-0-of-4}. */
    public String directoryName() {
        return "shard-" + index + "-of-" + count;
    }

    @Override
    public String toString() {
        return index + "/" + count;
    }
}
