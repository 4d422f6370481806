package org.transprune.synth;

import java.util.Locale;
import java.util.SplittableRandom;

/**
 * A split of the benchmark. Each split draws from its own random stream, so splits generated from
 * the same seed share no scenes.
 */
public enum Split {
    TRAIN(0x7472_6169_6e00_0001L),
    VAL(0x7661_6c00_0000_0002L),
    TEST(0x7465_7374_0000_0003L);

    private final long salt;

    Split(long salt) {
        this.salt = salt;
    }

    /** The seed of this split's random stream for a user seed. */
    long streamSeed(long seed) {
        // Mixed through a SplittableRandom so that nearby seeds give unrelated streams.
        return new SplittableRandom(seed ^ salt).nextLong();
    }

    /** The split's name in file names and summaries. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The split with this label. */
    public static Split ofLabel(String label) {
        return valueOf(label.toUpperCase(Locale.ROOT));
    }
}
