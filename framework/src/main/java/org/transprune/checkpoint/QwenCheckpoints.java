package org.transprune.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.transprune.config.QwenConfig;

/**
 * Opens Qwen2.5-VL checkpoint directories ({@code Qwen2_5_VLForConditionalGeneration}; tensor names of the
 * released checkpoints or of newer transformers, sharded or single safetensors) and checks that they hold
 * what the engine needs.
 */
public final class QwenCheckpoints {
    private QwenCheckpoints() {}

    /** Whether {@code dir}'s {@code config.json} names Qwen2.5-VL (false when there is none). */
    public static boolean isQwen(Path dir) {
        Path file = dir.resolve("config.json");
        return Files.isRegularFile(file) && QwenConfigJson.isQwen(ConfigJson.read(file));
    }

    /** The configuration of {@code dir}'s {@code config.json}, without opening the weights. */
    public static QwenConfig readConfig(Path dir) {
        Path file = dir.resolve("config.json");
        return QwenConfigJson.read(ConfigJson.read(file), file);
    }

    /**
     * Opens {@code dir}.
     *
     * @throws CheckpointException naming the directory or file and what is wrong
     */
    public static QwenCheckpoint open(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new CheckpointException(dir + ": not a directory");
        }
        Path file = dir.resolve("config.json");
        if (!Files.isRegularFile(file)) {
            throw new CheckpointException(dir + ": no config.json (is this a Hugging Face checkpoint directory?)");
        }
        JsonNode root = ConfigJson.read(file);
        QwenConfig config = QwenConfigJson.read(root, file);
        TensorSource weights = Checkpoints.weights(dir);
        try {
            TensorSource tensors = RenamedTensorSource.builder(dir + " (" + QwenCheckpoint.LAYOUT + ")")
                    .add(weights, CanonicalNames::fromQwen)
                    .build();
            return new QwenCheckpoint(
                    config,
                    tensors,
                    dir,
                    existing(dir.resolve("tokenizer.json")),
                    existing(dir.resolve("preprocessor_config.json")));
        } catch (RuntimeException e) {
            try {
                weights.close();
            } catch (IOException | RuntimeException ignored) {
                // the original error is the one to report
            }
            throw e;
        }
    }

    /**
     * Checks every tensor of {@link CanonicalNames#qwenShapes}: present, of that shape and a float type.
     *
     * @throws CheckpointException listing the first problems and their count
     */
    public static void validate(QwenCheckpoint checkpoint) {
        TensorSource t = checkpoint.tensors();
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, long[]> e :
                CanonicalNames.qwenShapes(checkpoint.config()).entrySet()) {
            String name = e.getKey();
            if (!t.contains(name)) {
                problems.add("missing " + name + " " + Arrays.toString(e.getValue()));
                continue;
            }
            TensorInfo info = t.info(name);
            if (!Arrays.equals(info.shape(), e.getValue())) {
                problems.add(
                        name + ": expected shape " + Arrays.toString(e.getValue()) + ", found " + info.shapeString());
            }
            if (info.type() != TensorType.F32 && info.type() != TensorType.F16 && info.type() != TensorType.BF16) {
                problems.add(name + ": dtype " + info.type() + " is not a float type (F32, F16, BF16)");
            }
        }
        if (problems.isEmpty()) {
            return;
        }
        StringBuilder m = new StringBuilder(checkpoint.directory() + " (" + QwenCheckpoint.LAYOUT + "): "
                + problems.size() + " problem(s) with the weights:");
        for (String p : problems.subList(0, Math.min(Checkpoints.LISTED_PROBLEMS, problems.size()))) {
            m.append("\n  ").append(p);
        }
        if (problems.size() > Checkpoints.LISTED_PROBLEMS) {
            m.append("\n  ... and ")
                    .append(problems.size() - Checkpoints.LISTED_PROBLEMS)
                    .append(" more");
        }
        throw new CheckpointException(m.toString());
    }

    /**
     * Writes the {@code config.json} of {@code config} into {@code dir} (created if needed), atomically.
     *
     * @param nested newer transformers' layout (a {@code text_config}) instead of the released one
     */
    public static Path writeConfig(Path dir, QwenConfig config, boolean nested) {
        Path file = dir.resolve("config.json");
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        SafetensorsWriter.writeAtomically(file, SafetensorsWriter.prettyJson(QwenConfigJson.json(config, nested)));
        return file;
    }

    /**
     * The tokenizer file of the checkpoint, checked as {@link Checkpoints#validateTokenizer} does.
     *
     * @throws CheckpointException naming the file
     */
    public static Path validateTokenizer(QwenCheckpoint checkpoint) {
        return Checkpoints.validateTokenizer(new Checkpoint(
                null,
                checkpoint.tensors(),
                checkpoint.directory(),
                checkpoint.tokenizerJson(),
                Optional.empty(),
                QwenCheckpoint.LAYOUT));
    }

    private static Optional<Path> existing(Path p) {
        return Files.isRegularFile(p) ? Optional.of(p) : Optional.empty();
    }
}
