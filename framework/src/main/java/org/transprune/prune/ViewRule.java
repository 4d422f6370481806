package org.transprune.prune;

/**
 * How a projector stage applies to an image encoded as several views (LLaVA-NeXT's AnyRes: a base
 * view and tiles), following the authors' own LLaVA-NeXT code of each method
 * (docs/llava-next.md#projector-stage). LLaVA-1.5's single view ignores it.
 */
public enum ViewRule {
    /**
     * Each view decides alone over its own patches with the budget of one view; the base view's tokens
     * enter first in the decision's order, then the tiles' kept patches in the row-major order of the full
     * (padded) tile grid, then each tile's CLS token, then each tile's merged tokens. No unpadding and no
     * newline token (VisionZip, FasterVLM, CDPruner).
     */
    PER_VIEW_GRID,
    /**
     * One decision over the whole image block (base view, unpadded tiles and newline tokens, N tokens),
     * from projected tokens and instruction embeddings only; the budget is the same share of N as the
     * stage keeps of one view (DivPrune's subset ratio).
     */
    WHOLE_BLOCK
}
