package org.transprune.checkpoint;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import org.transprune.config.QwenConfig;

/**
 * An opened Qwen2.5-VL checkpoint: its configuration and its tensors under the canonical names of
 * {@link CanonicalNames} (Qwen section), whichever layout it was stored in. Closing it closes the files.
 *
 * @param config the model configuration
 * @param tensors the weights, canonical names
 * @param directory the checkpoint directory
 * @param tokenizerJson {@code tokenizer.json}, when present
 * @param preprocessorConfig {@code preprocessor_config.json}, when present
 */
public record QwenCheckpoint(
        QwenConfig config,
        TensorSource tensors,
        Path directory,
        Optional<Path> tokenizerJson,
        Optional<Path> preprocessorConfig)
        implements Closeable {

    /** The layout name used in descriptions. */
    public static final String LAYOUT = "qwen2.5-vl";

    @Override
    public void close() throws IOException {
        tensors.close();
    }
}
