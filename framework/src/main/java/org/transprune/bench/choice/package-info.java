/**
 * Multiple-choice benchmarks: ScienceQA-IMG, SEED-Bench and MMBench (with circular evaluation),
 * and the option-letter extraction rules their official evaluators apply.
 */
package org.transprune.bench.choice;
