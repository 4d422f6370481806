package org.transprune.strategies;

import org.transprune.prune.QuerySelector;

/** Query selections of the strategies in this package. */
final class QueryRows {
    private QueryRows() {}

    /**
     * The instruction tokens (docs/method.md#iga), or the last token when the prompt has no text after
     * the image. The reference code would average over an empty set there and rank NaNs; the last
     * token is the query FastV and PyramidDrop use, so the score stays defined.
     */
    static final QuerySelector INSTRUCTION_OR_LAST = layout -> layout.instructionLength() > 0
            ? QuerySelector.INSTRUCTION.select(layout)
            : QuerySelector.LAST_TOKEN.select(layout);
}
