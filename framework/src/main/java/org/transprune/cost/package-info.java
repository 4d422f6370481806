/**
 * Theoretical cost of a pruning configuration, without running a model: how many image tokens
 * each decoder layer sees ({@link org.transprune.cost.PruneSchedule}), the prefill FLOPs over the
 * image tokens by the paper's convention, the average retained tokens and the KV-cache bytes
 * ({@link org.transprune.cost.CostModel}, summarised in a {@link org.transprune.cost.CostReport}).
 *
 * <p>Layers are numbered from 1; "prune after layer L" means layers 1..L run on the tokens of the
 * previous stage and layers L+1.. on the kept ones (docs/method.md#schedule and #cost).
 */
package org.transprune.cost;
