package org.transprune.train;

import java.io.IOException;
import java.nio.file.Path;
import org.transprune.checkpoint.CanonicalNames;
import org.transprune.checkpoint.Checkpoints;
import org.transprune.checkpoint.SafetensorsWriter;
import org.transprune.checkpoint.TensorType;

/**
 * Writes a {@link TrainableLlava} as a Hugging Face llava-hf checkpoint directory that
 * {@code Checkpoints.open} and {@code LlavaModel.load} read: {@code config.json},
 * {@code model.safetensors} (canonical tensors only; the auxiliary patch head is training-only and
 * left out), the word-level tokenizer files and {@code preprocessor_config.json}. Each file is
 * replaced atomically.
 */
public final class MicroCheckpoint {
    private MicroCheckpoint() {}

    /**
     * Exports the model.
     *
     * @param dtype F16 for the committed checkpoint (half the size; the engine widens exactly), F32
     *     when bit-exact weights matter (tests)
     * @return {@code dir}
     */
    public static Path write(TrainableLlava model, Path dir, TensorType dtype) throws IOException {
        SafetensorsWriter w = new SafetensorsWriter().metadata("format", "pt");
        for (String name : CanonicalNames.shapes(model.config()).keySet()) {
            w.add(name, model.values(name), dtype, model.shape(name));
        }
        MicroModel.writeTextAndImageFiles(dir, model.config());
        Checkpoints.writeLlavaHfConfig(dir, model.config());
        w.write(dir.resolve("model.safetensors"));
        return dir;
    }
}
