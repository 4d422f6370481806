/**
 * The registered pruning strategies: TransPrune (TTV + IGA) with its TTV-only and IGA-only
 * ablations, and the baselines none, random, FastV, PyramidDrop and SparseVLM. Each is one
 * {@link org.transprune.prune.StrategyProvider} listed in {@code META-INF/services}.
 */
package org.transprune.strategies;
