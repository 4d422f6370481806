package org.transprune.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Rotary position embedding in the Hugging Face LLaMA convention (rotate_half over the two halves
 * of each head). Cos/sin tables for every position are built once at load time ({@link #table}, which
 * training uses too).
 */
public final class Rope {
    private final NDArray cos;
    private final NDArray sin;
    private final int half;

    Rope(NDManager manager, int headDim, int maxPositions, double theta) {
        this(manager, headDim, maxPositions, theta, DataType.FLOAT32);
    }

    /** Tables computed in fp32 and held in {@code type}, the compute dtype (as Hugging Face casts cos/sin). */
    Rope(NDManager manager, int headDim, int maxPositions, double theta, DataType type) {
        half = headDim / 2;
        float[][] t = table(headDim, maxPositions, theta);
        cos = Precision.to(Upload.floats(manager, t[0], new Shape(maxPositions, headDim)), type);
        sin = Precision.to(Upload.floats(manager, t[1], new Shape(maxPositions, headDim)), type);
    }

    /**
     * The cos and sin tables {@code [maxPositions, headDim]} (row-major), as Hugging Face LLaMA builds
     * them: {@code inv_freq = 1 / theta^(2i / head_dim)}, {@code emb = cat(freqs, freqs)}.
     *
     * @return {@code {cos, sin}}
     */
    public static float[][] table(int headDim, int maxPositions, double theta) {
        int half = headDim / 2;
        float[] c = new float[maxPositions * headDim];
        float[] s = new float[maxPositions * headDim];
        for (int i = 0; i < half; i++) {
            double invFreq = 1.0 / Math.pow(theta, (2.0 * i) / headDim);
            for (int p = 0; p < maxPositions; p++) {
                double angle = p * invFreq;
                float cv = (float) Math.cos(angle);
                float sv = (float) Math.sin(angle);
                c[p * headDim + i] = cv;
                c[p * headDim + i + half] = cv;
                s[p * headDim + i] = sv;
                s[p * headDim + i + half] = sv;
            }
        }
        return new float[][] {c, s};
    }

    /** Position tables for the given positions, {@code [L, hd]} each, in {@code positions}' manager. */
    NDArray[] tables(NDArray positions) {
        NDArray c = cos.get(positions);
        NDArray s = sin.get(positions);
        c.attach(positions.getManager());
        s.attach(positions.getManager());
        return new NDArray[] {c, s};
    }

    /**
     * Multimodal rotary tables (Qwen2-VL's M-RoPE) for tokens with three position ids each: of every
     * head's rotary frequencies, the first {@code sections[0]} turn with the temporal id, the next
     * {@code sections[1]} with the height id and the last {@code sections[2]} with the width id (in both
     * halves of the head, as {@code apply_multimodal_rotary_pos_emb} splits {@code mrope_section * 2}).
     * With three equal ids this is {@link #tables(NDArray)} exactly.
     *
     * @param positions temporal, height and width ids, {@code [L]} each, in one manager
     * @param sections frequencies per section; they sum to half the head width
     * @return {@code {cos, sin}}, {@code [L, hd]} each
     */
    NDArray[] tables(NDArray[] positions, int[] sections) {
        NDArray[][] parts = new NDArray[3][];
        for (int s = 0; s < 3; s++) {
            parts[s] = tables(positions[s]);
        }
        NDArray[] out = new NDArray[2];
        for (int which = 0; which < 2; which++) {
            NDArray[] chunks = new NDArray[6];
            int from = 0;
            for (int i = 0; i < 6; i++) {
                int width = sections[i % 3];
                chunks[i] = parts[i % 3][which].get(":, " + from + ":" + (from + width));
                from += width;
            }
            out[which] = Functional.concat(-1, chunks);
        }
        return out;
    }

    /** Applies the rotation to {@code x [heads, L, hd]} with tables from {@link #tables}. */
    NDArray apply(NDArray x, NDArray[] cs) {
        NDArray x1 = x.get(":, :, :" + half);
        NDArray x2 = x.get(":, :, " + half + ":");
        NDArray rotated = Functional.concat(-1, x2.neg(), x1);
        return x.mul(cs[0]).addi(rotated.muli(cs[1]));
    }
}
