/**
 * Speed measurements of the engine: the machine's matmul rate, a realistic decoder layer, per-op
 * overhead, and pruned against unpruned prefill on a random layer stack.
 */
package org.transprune.perf;
