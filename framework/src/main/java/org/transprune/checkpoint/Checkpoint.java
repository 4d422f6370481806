package org.transprune.checkpoint;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import org.transprune.config.LlavaConfig;

/**
 * An opened LLaVA checkpoint: its configuration and its tensors under the canonical names of
 * {@link CanonicalNames}, whatever layout it was stored in. Closing it closes the tensor files.
 *
 * @param config the model configuration
 * @param tensors the weights, canonical names
 * @param directory the checkpoint directory
 * @param tokenizerJson {@code tokenizer.json} of the checkpoint, when present
 * @param preprocessorConfig {@code preprocessor_config.json} of the checkpoint or of its vision tower
 * @param layout {@link #LLAVA_HF} or {@link #LLAVA_ORIGINAL}
 */
public record Checkpoint(
        LlavaConfig config,
        TensorSource tensors,
        Path directory,
        Optional<Path> tokenizerJson,
        Optional<Path> preprocessorConfig,
        String layout)
        implements Closeable {

    /** Hugging Face {@code LlavaForConditionalGeneration} (llava-hf), classic or transformers 4.52+ names. */
    public static final String LLAVA_HF = "llava-hf";
    /** The original LLaVA repository's {@code LlavaLlamaForCausalLM}, CLIP tower kept apart. */
    public static final String LLAVA_ORIGINAL = "llava";

    @Override
    public void close() throws IOException {
        tensors.close();
    }
}
