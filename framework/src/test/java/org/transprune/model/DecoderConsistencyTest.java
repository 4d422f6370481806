package org.transprune.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDArray;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The KV cache, pruning and position policies agree with recomputing from scratch. */
class DecoderConsistencyTest {
    private static final int PREFIX = 3;
    private static final int SUFFIX = 5;
    private static LlavaModel model;
    private static int n;

    @BeforeAll
    static void load() {
        model = TinyModels.load(11);
        n = model.config().imageTokens();
    }

    @AfterAll
    static void close() {
        model.close();
    }

    private static int[] prompt() {
        return TinyModels.prompt(PREFIX, n, SUFFIX, 3);
    }

    /** Logits of the last token of {@code ids} after a fresh prefill. */
    private static float[] prefillLogits(int[] ids, int[] keepImage, int[] positions, ForwardHooks hooks) {
        try (InferenceSession s = model.newSession()) {
            NDArray image = model.encodeImage(TinyModels.pixels(model.config(), 5), s.manager());
            if (keepImage != null) {
                image = image.get(s.manager().create(toLong(keepImage)));
            }
            return s.prefill(ids, PREFIX, image, positions, hooks).logits();
        }
    }

    @Test
    void cachedDecodingMatchesFullRecompute() {
        int[] ids = prompt();
        int[] generated = {17, 42, 8, 99};
        float[][] cached = new float[generated.length][];
        try (InferenceSession s = model.newSession()) {
            NDArray image = model.encodeImage(TinyModels.pixels(model.config(), 5), s.manager());
            s.prefill(ids, PREFIX, image, null, ForwardHooks.NONE);
            for (int i = 0; i < generated.length; i++) {
                cached[i] = s.decode(generated[i]);
            }
            assertArrayEquals(
                    new int[] {ids.length + 4, ids.length + 4, ids.length + 4, ids.length + 4},
                    s.cache().lengths());
        }
        for (int i = 0; i < generated.length; i++) {
            int[] longer = concat(ids, Arrays.copyOf(generated, i + 1));
            assertArrayEquals(prefillLogits(longer, null, null, ForwardHooks.NONE), cached[i], 2e-5f, "step " + i);
        }
    }

    @Test
    void decodingPastTheCachesInitialCapacityStaysExact() {
        int[] ids = prompt();
        int steps = 70; // the first buffer has room for 32 decoded tokens, then it doubles
        int[] generated = new int[steps];
        float[] last = null;
        try (InferenceSession s = model.newSession()) {
            NDArray image = model.encodeImage(TinyModels.pixels(model.config(), 5), s.manager());
            s.prefill(ids, PREFIX, image, null, ForwardHooks.NONE);
            for (int i = 0; i < steps; i++) {
                generated[i] = 1 + (i * 37) % 99;
                last = s.decode(generated[i]);
            }
            assertEquals(ids.length + steps, s.cache().length(3));
        }
        assertArrayEquals(prefillLogits(concat(ids, generated), null, null, ForwardHooks.NONE), last, 2e-5f);
    }

    @Test
    void keepingEveryTokenGivesExactlyTheUnprunedLogits() {
        int[] all = range(n);
        ForwardHooks keepAll =
                ForwardHooks.pruning((layer, layout) -> layer == 2 ? all : null, PositionPolicy.RENUMBER);
        assertArrayEquals(
                prefillLogits(prompt(), null, null, ForwardHooks.NONE),
                prefillLogits(prompt(), null, null, keepAll),
                0f);
    }

    @Test
    void pruningBeforeTheFirstLayerEqualsRunningThePrunedPromptFromScratch() {
        int[] keep = {0, 3, 4, 9, 15};
        for (PositionPolicy policy : PositionPolicy.values()) {
            int[] ids = prompt();
            float[][] pruned = decodeThree(
                    ids, null, null, ForwardHooks.pruning((layer, layout) -> layer == 0 ? keep : null, policy));
            // The same prompt with only the kept image rows, at the positions the policy implies.
            int[] shortIds =
                    concat(Arrays.copyOf(ids, PREFIX + keep.length), Arrays.copyOfRange(ids, PREFIX + n, ids.length));
            int[] positions = null;
            if (policy == PositionPolicy.KEEP_ORIGINAL) {
                positions = new int[shortIds.length];
                for (int i = 0; i < positions.length; i++) {
                    positions[i] =
                            i < PREFIX ? i : i < PREFIX + keep.length ? PREFIX + keep[i - PREFIX] : i - keep.length + n;
                }
            }
            float[][] scratch = decodeThree(shortIds, keep, positions, ForwardHooks.NONE);
            for (int i = 0; i < 3; i++) {
                assertArrayEquals(scratch[i], pruned[i], 2e-5f, policy + " step " + i);
            }
        }
    }

    @Test
    void decodingAfterAMidLayerPruneMatchesRecomputingWithTheSamePrune() {
        int[] keep = {1, 2, 7, 8, 12};
        for (PositionPolicy policy : PositionPolicy.values()) {
            ForwardHooks hooks = ForwardHooks.pruning((layer, layout) -> layer == 2 ? keep : null, policy);
            int[] ids = prompt();
            int[] generated = {5, 66, 31};
            float[][] cached = new float[generated.length][];
            try (InferenceSession s = model.newSession()) {
                NDArray image = model.encodeImage(TinyModels.pixels(model.config(), 5), s.manager());
                s.prefill(ids, PREFIX, image, null, hooks);
                int full = ids.length;
                int after = ids.length - n + keep.length;
                assertArrayEquals(
                        new int[] {full, full, after, after}, s.cache().lengths());
                for (int i = 0; i < generated.length; i++) {
                    cached[i] = s.decode(generated[i]);
                }
            }
            for (int i = 0; i < generated.length; i++) {
                int[] longer = concat(ids, Arrays.copyOf(generated, i + 1));
                assertArrayEquals(prefillLogits(longer, null, null, hooks), cached[i], 2e-5f, policy + " step " + i);
            }
            assertFalse(
                    Arrays.equals(
                            prefillLogits(ids, null, null, hooks), prefillLogits(ids, null, null, ForwardHooks.NONE)),
                    "a real prune must change the logits");
        }
    }

    @Test
    void policiesDifferAfterAPrune() {
        int[] keep = {0, 5, 10};
        float[] renumber = prefillLogits(
                prompt(),
                null,
                null,
                ForwardHooks.pruning((l, layout) -> l == 1 ? keep : null, PositionPolicy.RENUMBER));
        float[] original = prefillLogits(
                prompt(),
                null,
                null,
                ForwardHooks.pruning((l, layout) -> l == 1 ? keep : null, PositionPolicy.KEEP_ORIGINAL));
        assertFalse(Arrays.equals(renumber, original));
    }

    @Test
    void badDecisionsAreRejectedWithTheirReason() {
        IllegalStateException e = assertThrows(
                IllegalStateException.class,
                () -> prefillLogits(
                        prompt(),
                        null,
                        null,
                        ForwardHooks.pruning(
                                (l, layout) -> l == 1 ? new int[] {3, 2} : null, PositionPolicy.RENUMBER)));
        assertEquals(true, e.getMessage().contains("strictly increasing"), e.getMessage());
        assertThrows(
                IllegalStateException.class,
                () -> prefillLogits(
                        prompt(),
                        null,
                        null,
                        ForwardHooks.pruning((l, layout) -> l == 1 ? new int[] {n} : null, PositionPolicy.RENUMBER)));
    }

    @Test
    void promptLongerThanTheContextIsRejected() {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> prefillLogits(TinyModels.prompt(PREFIX, n, 300, 1), null, null, ForwardHooks.NONE));
        assertEquals(true, e.getMessage().contains("longer than the model's context of 256"), e.getMessage());
    }

    private static float[][] decodeThree(int[] ids, int[] keepImage, int[] positions, ForwardHooks hooks) {
        float[][] out = new float[3][];
        try (InferenceSession s = model.newSession()) {
            NDArray image = model.encodeImage(TinyModels.pixels(model.config(), 5), s.manager());
            if (keepImage != null) {
                image = image.get(s.manager().create(toLong(keepImage)));
            }
            out[0] = s.prefill(ids, PREFIX, image, positions, hooks).logits();
            out[1] = s.decode(23);
            out[2] = s.decode(57);
        }
        return out;
    }

    private static long[] toLong(int[] v) {
        return Arrays.stream(v).asLongStream().toArray();
    }

    private static int[] range(int k) {
        int[] r = new int[k];
        Arrays.setAll(r, i -> i);
        return r;
    }

    private static int[] concat(int[] a, int[] b) {
        int[] r = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
