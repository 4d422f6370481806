package org.transprune.train;

import java.util.List;

/** The built-in training recipes of the micro LLaVA. */
public final class MicroRecipes {
    private MicroRecipes() {}

    /**
     * The recipe {@code transprune train-micro} uses by default, about 2 hours on one busy core
     * (measured: stage A ~2 s per 32 images; stage B at 8 images ~1.6-2 s with 2 questions each,
     * ~3-3.5 s with 6).
     * <ul>
     *   <li>Stage A, 400 steps x 32 images: tower and patch head alone on per-patch kind, colour,
     *       row and column. Shape is the slow part of the tower (docs/djl-notes.md, the micro
     *       model), and stage A is the cheap place to learn it (4x the full model's image rate).</li>
     *   <li>Stage B, phase 1, 600 steps x 8 images x 2 questions: a start on few questions per
     *       image (the first attempt, which learned colour, began with single questions).</li>
     *   <li>Stage B, phase 2, 1700 steps x 8 images x 6 questions packed (every type on every
     *       image): prefix and image computed once for six questions, ~3x more questions per
     *       second than one question per image. Packed questions compute exactly what separate
     *       prompts compute (TrainingForwardMatchesEngineTest).</li>
     *   <li>AdamW (0.9, 0.95), weight decay 0.05 on matrices, global-norm clip 1.0, lr 1e-3 (the
     *       values that worked in the feasibility runs, docs/djl-notes.md), warm-up 100 steps, constant,
     *       cosine to 5% over the last quarter (a long constant-rate stage B).</li>
     *   <li>The patch loss stays on in stage B at weight 0.5: without it the first attempt's model
     *       ignored the image.</li>
     * </ul>
     */
    public static TrainingRecipe standard() {
        return new TrainingRecipe(
                MicroModel.VISION_WIDTH,
                MicroModel.VISION_BLOCKS,
                MicroModel.WIDTH,
                MicroModel.LAYERS,
                MicroModel.MLP,
                1,
                32,
                400,
                1e-3,
                8,
                List.of(new TrainingRecipe.Phase(600, 2), new TrainingRecipe.Phase(1700, 6)),
                1e-3,
                100,
                0.25,
                0.05,
                0.05,
                0.9,
                0.95,
                1.0,
                0.5,
                400,
                100,
                5.0);
    }
}
