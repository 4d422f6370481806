/**
 * Training the micro LLaVA on CPU with DJL: {@link org.transprune.train.MicroTrainer} runs a
 * {@link org.transprune.train.TrainingRecipe} on a {@link org.transprune.train.TrainableLlava} (the LLaVA
 * forward of the engine's architecture plus the training-only {@link org.transprune.train.TrainingHeads}),
 * on {@link org.transprune.train.PackedBatch}es built through the evaluation's own preprocessing and prompt
 * encoding ({@link org.transprune.train.BatchBuilder}), and scores held-out questions through the inference
 * pipeline and the synthetic benchmark's judge ({@link org.transprune.train.EngineEvaluator}).
 */
package org.transprune.train;
