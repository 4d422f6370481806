package org.transprune.checkpoint;

/**
 * fp32 to fp16 and bf16 with round-to-nearest-even, bit-identical to PyTorch's {@code .half()} and
 * {@code .bfloat16()}: overflow goes to infinity, tiny values to subnormals or signed zero, and every
 * NaN becomes PyTorch's canonical NaN (fp16 {@code sign|0x7E00}, bf16 {@code 0x7FC0}).
 */
public final class Narrowing {
    private Narrowing() {}

    /** The IEEE binary16 bits of {@code f}. */
    public static short toFloat16(float f) {
        int bits = Float.floatToRawIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        int exp = (bits >>> 23) & 0xFF;
        int mant = bits & 0x7FFFFF;
        if (exp == 0xFF) {
            return (short) (sign | (mant == 0 ? 0x7C00 : 0x7E00));
        }
        int e = exp - 127 + 15;
        if (e >= 0x1F) {
            return (short) (sign | 0x7C00);
        }
        if (e <= 0) {
            // Below half of the smallest subnormal (2^-25) everything rounds to zero.
            if (e < -10) {
                return (short) sign;
            }
            int full = mant | 0x800000;
            int shift = 14 - e;
            int half = full >>> shift;
            int rest = full & ((1 << shift) - 1);
            int halfway = 1 << (shift - 1);
            if (rest > halfway || (rest == halfway && (half & 1) != 0)) {
                half++; // may become the smallest normal, 0x0400, which is the right encoding
            }
            return (short) (sign | half);
        }
        int half = (e << 10) | (mant >>> 13);
        int rest = mant & 0x1FFF;
        if (rest > 0x1000 || (rest == 0x1000 && (half & 1) != 0)) {
            half++; // a carry out of the mantissa bumps the exponent; past 65504 it lands on infinity
        }
        return (short) (sign | half);
    }

    /** The bfloat16 bits of {@code f}: the upper half of its fp32 bits, rounded to nearest even. */
    public static short toBfloat16(float f) {
        if (Float.isNaN(f)) {
            return (short) 0x7FC0;
        }
        int bits = Float.floatToRawIntBits(f);
        int bias = 0x7FFF + ((bits >>> 16) & 1);
        return (short) ((bits + bias) >>> 16);
    }

    /** fp32 value of binary16 bits (exact), for checks and tests. */
    public static float fromFloat16(short h) {
        int bits = h & 0xFFFF;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1F;
        int mant = bits & 0x3FF;
        if (exp == 0x1F) {
            return Float.intBitsToFloat(sign | 0x7F800000 | (mant << 13));
        }
        if (exp == 0) {
            float v = mant * 0x1p-24f;
            return sign == 0 ? v : -v;
        }
        return Float.intBitsToFloat(sign | ((exp - 15 + 127) << 23) | (mant << 13));
    }

    /** fp32 value of bfloat16 bits (exact). */
    public static float fromBfloat16(short b) {
        return Float.intBitsToFloat((b & 0xFFFF) << 16);
    }
}
