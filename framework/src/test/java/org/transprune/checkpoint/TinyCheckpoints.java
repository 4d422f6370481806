package org.transprune.checkpoint;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.transprune.config.LlavaConfig;
import org.transprune.config.TextConfig;
import org.transprune.config.VisionConfig;

/**
 * Random-weight LLaVA checkpoints of any size, written in the real Hugging Face layouts, for tests. Weights are seeded: the same configuration and
 * seed give the same canonical tensors in every layout and file split. Matrices and embeddings are
 * N(0, 0.02), biases N(0, 0.02), norm weights 1 + N(0, 0.02).
 */
public final class TinyCheckpoints {
    private TinyCheckpoints() {}

    /**
     * A small LLaVA: CLIP tower of width 32, 2 blocks, 2 heads, 56 px images in 14 px patches (16 patch
     * tokens); LLaMA decoder of width 64, 4 layers, 4 query and 2 key/value heads, SwiGLU 128, vocabulary
     * 100, RoPE theta 10000, 256 positions; image token id 99.
     */
    public static LlavaConfig tinyConfig() {
        VisionConfig vision = new VisionConfig(32, 128, 2, 2, 56, 14, 1e-5, "quick_gelu");
        TextConfig text = new TextConfig(64, 128, 4, 4, 2, 100, 1e-6, 10000.0, 256, false);
        return new LlavaConfig(vision, text, "mlp2x_gelu", -2, "default", 99);
    }

    /** The random canonical tensors of {@code config} for {@code seed}, in {@link CanonicalNames#shapes} order. */
    public static Map<String, float[]> randomWeights(LlavaConfig config, long seed) {
        return RandomLlavaWeights.values(config, seed);
    }

    /** Starts a checkpoint of {@code config}; defaults: F32, seed 0, one file, classic names. */
    public static Builder builder(LlavaConfig config) {
        return new Builder(config);
    }

    /** Options of one checkpoint to write. */
    public static final class Builder {
        private final LlavaConfig config;
        private TensorType dtype = TensorType.F32;
        private long seed;
        private long maxShardBytes;
        private boolean newNames;
        private boolean embedTower;
        private String towerName;
        private RandomCheckpointWriter.ExtraFiles extraFiles = dir -> {};

        private Builder(LlavaConfig config) {
            this.config = config;
        }

        /** Storage type of the weights: F32, F16 or BF16. */
        public Builder dtype(TensorType dtype) {
            this.dtype = dtype;
            return this;
        }

        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Splits llava-hf weights into shards of at most this many data bytes, with an index; 0 = one file. */
        public Builder maxShardBytes(long maxShardBytes) {
            this.maxShardBytes = maxShardBytes;
            return this;
        }

        /** llava-hf: use the tensor names of transformers 4.52+ ({@code model.language_model.*} ...). */
        public Builder newNames(boolean newNames) {
            this.newNames = newNames;
            return this;
        }

        /** Original LLaVA: also store the tower inside the checkpoint ({@code model.vision_tower.vision_tower.*}). */
        public Builder embedTower(boolean embedTower) {
            this.embedTower = embedTower;
            return this;
        }

        /** Original LLaVA: the {@code mm_vision_tower} value; default the CLIP directory's absolute path. */
        public Builder towerName(String towerName) {
            this.towerName = towerName;
            return this;
        }

        /** Called with each checkpoint directory after its weights and config are written. */
        public Builder extraFiles(RandomCheckpointWriter.ExtraFiles extraFiles) {
            this.extraFiles = extraFiles;
            return this;
        }

        /** Writes a llava-hf checkpoint into {@code dir} and returns it. */
        public Path writeLlavaHf(Path dir) {
            SafetensorsWriter w = new SafetensorsWriter().metadata("format", "pt");
            randomWeights(config, seed).forEach((name, v) -> {
                String stored = newNames ? CanonicalNames.toNewLlavaHf(name) : name;
                w.add(stored, v, dtype, CanonicalNames.shapes(config).get(name));
            });
            if (maxShardBytes > 0) {
                w.writeSharded(dir, maxShardBytes);
            } else {
                w.write(dir.resolve("model.safetensors"));
            }
            finish(dir, ConfigJson.llavaHfJson(config));
            return dir;
        }

        /**
         * Writes an original LLaVA checkpoint into {@code dir} and its CLIP tower (a CLIPVisionModel
         * checkpoint) into {@code clipDir}; returns {@code dir}.
         */
        public Path writeOriginal(Path dir, Path clipDir) {
            Map<String, long[]> shapes = CanonicalNames.shapes(config);
            SafetensorsWriter llava = new SafetensorsWriter().metadata("format", "pt");
            SafetensorsWriter clip = new SafetensorsWriter().metadata("format", "pt");
            randomWeights(config, seed).forEach((name, v) -> {
                long[] shape = shapes.get(name);
                if (name.startsWith(CanonicalNames.TOWER)) {
                    clip.add(CanonicalNames.toClip(name), v, dtype, shape);
                    if (embedTower) {
                        llava.add(CanonicalNames.toEmbeddedTower(name), v, dtype, shape);
                    }
                } else {
                    llava.add(CanonicalNames.toOriginalLlava(name, config.projectorType()), v, dtype, shape);
                }
            });
            llava.write(dir.resolve("model.safetensors"));
            clip.write(clipDir.resolve("model.safetensors"));
            write(
                    clipDir.resolve("config.json"),
                    ConfigJson.clipVisionJson(config.vision())
                            .set(
                                    "architectures",
                                    ConfigJson.JSON.createArrayNode().add("CLIPVisionModel")));
            String name =
                    towerName != null ? towerName : clipDir.toAbsolutePath().toString();
            finish(dir, ConfigJson.originalLlavaJson(config, name));
            return dir;
        }

        private void finish(Path dir, Object configJson) {
            write(dir.resolve("config.json"), configJson);
            try {
                extraFiles.write(dir);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        private static void write(Path file, Object json) {
            try {
                Files.createDirectories(file.toAbsolutePath().getParent());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            SafetensorsWriter.writeAtomically(file, SafetensorsWriter.prettyJson(json));
        }
    }
}
