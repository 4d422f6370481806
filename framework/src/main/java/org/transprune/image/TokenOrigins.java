package org.transprune.image;

import java.util.ArrayList;
import java.util.List;

/**
 * The origins of a prompt's image tokens, indexed by the token's position in the original
 * (unpruned) image block, which is what {@code model.TokenLayout#imagePatches()} returns for the
 * tokens still present.
 *
 * @param all one origin per image token, in prompt order
 */
public record TokenOrigins(List<TokenOrigin> all) {

    public TokenOrigins {
        all = List.copyOf(all);
    }

    /** The origins of one square view of {@code grid x grid} patches (LLaVA-1.5). */
    public static TokenOrigins singleView(int grid) {
        return new TokenOrigins(TokenOrigin.baseView(grid));
    }

    /**
     * The origins of one view of {@code rows x columns} tokens, row-major, each covering its cell of the image
     * (Qwen2.5-VL: a merged 2x2 block of 14 px patches).
     */
    public static TokenOrigins grid(int rows, int columns) {
        List<TokenOrigin> out = new ArrayList<>(rows * columns);
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < columns; c++) {
                out.add(new TokenOrigin(
                        TokenOrigin.Kind.BASE,
                        -1,
                        r,
                        c,
                        (double) c / columns,
                        (double) r / rows,
                        (double) (c + 1) / columns,
                        (double) (r + 1) / rows));
            }
        }
        return new TokenOrigins(out);
    }

    /** Image tokens described. */
    public int size() {
        return all.size();
    }

    /** The origin of the image token at {@code index} of the original image block. */
    public TokenOrigin get(int index) {
        return all.get(index);
    }

    /**
     * The origins of the given original image-token indices (e.g. the tokens a pruning step kept).
     *
     * @throws IndexOutOfBoundsException for an index outside the image block
     */
    public List<TokenOrigin> select(int[] indices) {
        List<TokenOrigin> out = new ArrayList<>(indices.length);
        for (int i : indices) {
            out.add(all.get(i));
        }
        return out;
    }

    /** Tokens of the given kind. */
    public int count(TokenOrigin.Kind kind) {
        int n = 0;
        for (TokenOrigin o : all) {
            if (o.kind() == kind) {
                n++;
            }
        }
        return n;
    }

    /** Original indices of the tokens of the given kind, ascending. */
    public int[] indicesOf(TokenOrigin.Kind kind) {
        return java.util.stream.IntStream.range(0, all.size())
                .filter(i -> all.get(i).kind() == kind)
                .toArray();
    }
}
