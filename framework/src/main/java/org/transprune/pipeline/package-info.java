/**
 * From a checkpoint directory, a question and an image to an answer: loading (model, tokenizer,
 * image preprocessor, chat template), prompt building, optional pruning and greedy generation,
 * with every stage timed.
 */
package org.transprune.pipeline;
