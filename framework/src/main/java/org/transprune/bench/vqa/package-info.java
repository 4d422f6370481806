/**
 * Open-answer benchmarks: VQAv2 and TextVQA (VQA accuracy with the standard answer normalisation)
 * and GQA (exact match after LLaVA's answer processing).
 */
package org.transprune.bench.vqa;
