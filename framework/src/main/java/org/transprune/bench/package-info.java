/**
 * The eight paper benchmarks (MME, VQAv2, SEED-Bench, TextVQA, ScienceQA-IMG, POPE, GQA, MMBench)
 * in the file layouts LLaVA-1.5's evaluation scripts use: question readers that turn a question
 * file into {@link org.transprune.bench.Sample}s with the prompt LLaVA feeds, the LLaVA answers
 * JSONL ({@link org.transprune.bench.AnswersWriter}, {@link org.transprune.bench.AnswersReader}),
 * scorers that reproduce the official evaluators' numbers, and submission-format converters.
 *
 * <p>Entry point: {@link org.transprune.bench.Benchmarks#get(String)}; {@link
 * org.transprune.bench.QuestionFiles#read} reads and checks a question file for {@code run} and
 * {@code eval} alike. Data problems (missing or
 * unreadable image, malformed line, unknown question id) go through an {@link
 * org.transprune.bench.IssueLog}: skipped and counted, or fatal, as the user chooses.
 *
 * <p>Sub-packages hold the scorers by answer kind: {@code vqa} (open answers: VQAv2, TextVQA,
 * GQA), {@code yesno} (POPE, MME), {@code choice} (ScienceQA, SEED, MMBench).
 */
package org.transprune.bench;
