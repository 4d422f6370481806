/**
 * Text side of a LLaVA prompt: the Hugging Face tokenizer (offline, never truncating), the
 * conversation templates of the LLaVA code base, and the encoding of a prompt around the image
 * placeholder the way LLaVA's {@code tokenizer_image_token} does it. Also writes the small
 * word-level tokenizers used by the micro model and the test checkpoints.
 */
package org.transprune.text;
