/**
 * The LLaVA engine on DJL NDArrays: vision tower, projector, LLaMA decoder with KV cache, the
 * per-layer observation hooks and between-layer token pruning, and greedy generation.
 */
package org.transprune.model;
