/**
 * Training the micro LLaVA on CPU with DJL: a batched training forward of exactly the engine's
 * architecture ({@link org.transprune.train.TrainableLlava}), packed question batches built through
 * the evaluation's own preprocessing and prompt encoding ({@link org.transprune.train.BatchBuilder}),
 * AdamW with global-norm clipping ({@link org.transprune.train.AdamW}), resumable training state
 * ({@link org.transprune.train.TrainState}), llava-hf export ({@link org.transprune.train.MicroCheckpoint})
 * and held-out evaluation through the engine ({@link org.transprune.train.EngineEvaluator}), driven by
 * {@link org.transprune.train.MicroTrainer} from a {@link org.transprune.train.TrainingRecipe}.
 */
package org.transprune.train;
