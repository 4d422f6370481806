package org.transprune.prune;

import java.util.Arrays;
import org.transprune.model.TokenLayout;

/** Which query rows an attention signal is computed for, given the current layout. */
@FunctionalInterface
public interface QuerySelector {

    /** Row indices into the current sequence, strictly increasing. */
    int[] select(TokenLayout layout);

    /** Every text token after the image block: the instruction (IGA, docs/method.md#iga). */
    QuerySelector INSTRUCTION = layout -> range(layout.instructionStart(), layout.length());

    /** The last prompt token (FastV, PDrop). */
    QuerySelector LAST_TOKEN = layout -> new int[] {layout.length() - 1};

    /** Every text token, before and after the image. */
    QuerySelector ALL_TEXT = layout -> {
        int[] before = range(0, layout.imageStart());
        int[] after = range(layout.instructionStart(), layout.length());
        int[] all = Arrays.copyOf(before, before.length + after.length);
        System.arraycopy(after, 0, all, before.length, after.length);
        return all;
    };

    static int[] range(int from, int to) {
        int[] r = new int[Math.max(0, to - from)];
        for (int i = 0; i < r.length; i++) {
            r[i] = from + i;
        }
        return r;
    }
}
