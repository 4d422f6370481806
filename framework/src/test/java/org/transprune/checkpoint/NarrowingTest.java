package org.transprune.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Expected bit patterns are worked out by hand from the IEEE formats, not from the code under test. */
class NarrowingTest {
    private static void f16(int expected, float value) {
        assertEquals(
                expected,
                Narrowing.toFloat16(value) & 0xFFFF,
                () -> value + " -> expected 0x" + Integer.toHexString(expected) + " got 0x"
                        + Integer.toHexString(Narrowing.toFloat16(value) & 0xFFFF));
    }

    private static void bf16(int expected, float value) {
        assertEquals(
                expected,
                Narrowing.toBfloat16(value) & 0xFFFF,
                () -> value + " -> expected 0x" + Integer.toHexString(expected) + " got 0x"
                        + Integer.toHexString(Narrowing.toBfloat16(value) & 0xFFFF));
    }

    @Test
    void float16EdgeCases() {
        f16(0x3C00, 1.0f);
        f16(0xC000, -2.0f);
        f16(0x0000, 0.0f);
        f16(0x8000, -0.0f);
        f16(0x7BFF, 65504f); // largest finite
        f16(0x7BFF, Math.nextDown(65520f)); // just below the halfway point to 65536
        f16(0x7C00, 65520f); // halfway, ties to the even neighbour = infinity
        f16(0x7C00, 1e6f);
        f16(0xFC00, -1e6f);
        f16(0x7C00, Float.POSITIVE_INFINITY);
        f16(0xFC00, Float.NEGATIVE_INFINITY);
        f16(0x7E00, Float.NaN);
        f16(0x7E00, Float.intBitsToFloat(0x7F800001)); // signalling NaN becomes the canonical quiet NaN
        f16(0xFE00, Float.intBitsToFloat(0xFFC00000));
        f16(0x0001, 0x1p-24f); // smallest subnormal
        f16(0x0000, 0x1p-25f); // half of it: tie, to even (zero)
        f16(0x0001, Math.nextUp(0x1p-25f)); // just above the tie
        f16(0x0002, 3 * 0x1p-25f); // 1.5 ulp: tie between 1 and 2 ulp, to even (2)
        f16(0x03FF, 0x1p-14f - 0x1p-24f); // largest subnormal
        f16(0x0400, 0x1p-14f); // smallest normal
        f16(0x0400, 0x1p-14f - 0x1p-25f); // rounds up out of the subnormals
        f16(0x0000, 1e-8f);
        f16(0x8000, -1e-8f);
        f16(0x3C00, 1 + 0x1p-11f); // tie between 0x3C00 and 0x3C01: even
        f16(0x3C02, 1 + 3 * 0x1p-11f); // tie between 0x3C01 and 0x3C02: even
        f16(0x3C01, 1 + 0x1p-11f + 0x1p-20f); // above the tie
        f16(0x2E66, 0.1f);
        f16(0x3555, 1f / 3);
    }

    @Test
    void bfloat16EdgeCases() {
        bf16(0x3F80, 1.0f);
        bf16(0xC000, -2.0f);
        bf16(0x8000, -0.0f);
        bf16(0x4780, 65504f); // 0x477FE000: above the tie, rounds up to 65536
        bf16(0x4780, 65520f);
        bf16(0x3F80, Float.intBitsToFloat(0x3F808000)); // tie, to even
        bf16(0x3F82, Float.intBitsToFloat(0x3F818000)); // tie, to even (up)
        bf16(0x3F81, Float.intBitsToFloat(0x3F808001));
        bf16(0x7F80, Float.MAX_VALUE); // rounds past the largest finite bf16
        bf16(0x7F80, Float.POSITIVE_INFINITY);
        bf16(0xFF80, Float.NEGATIVE_INFINITY);
        bf16(0x7FC0, Float.NaN);
        bf16(0x7FC0, Float.intBitsToFloat(0xFF800001));
        bf16(0x0000, Float.MIN_VALUE); // smallest fp32 subnormal rounds to zero
        bf16(0x0001, Float.intBitsToFloat(0x00010000)); // smallest bf16 subnormal is exact
        bf16(0x3DCD, 0.1f); // 0x3DCCCCCD
    }

    @Test
    void wideningInvertsNarrowingOnEveryHalf() {
        for (int h = 0; h < 0x10000; h++) {
            float f = Narrowing.fromFloat16((short) h);
            int exp = (h >>> 10) & 0x1F;
            if (exp == 0x1F && (h & 0x3FF) != 0) {
                continue; // NaN payloads are canonicalised
            }
            assertEquals(h, Narrowing.toFloat16(f) & 0xFFFF, "0x" + Integer.toHexString(h));
            assertEquals(Float.floatToRawIntBits(Narrowing.fromBfloat16((short) h)), h << 16);
        }
    }
}
