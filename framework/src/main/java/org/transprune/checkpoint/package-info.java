/**
 * Reading and writing model checkpoints: safetensors (single file and sharded, f32/f16/bf16,
 * memory-mapped), Hugging Face LLaVA layouts and their configuration files.
 */
package org.transprune.checkpoint;
