package org.transprune.checkpoint;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.BiConsumer;
import org.transprune.config.LlavaConfig;
import org.transprune.config.TextConfig;
import org.transprune.config.VisionConfig;

/**
 * Random-weight LLaVA checkpoints of any size, written in the real Hugging Face layouts, for tests and
 * for trying the pipeline without downloading a model. Weights are seeded: the same configuration and
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
        Map<String, float[]> out = new LinkedHashMap<>();
        forEachRandomWeight(config, seed, out::put);
        return out;
    }

    /**
     * Generates the same tensors as {@link #randomWeights} one at a time, so a caller can store
     * each before the next is drawn (real-size shapes do not fit on the heap at once).
     */
    public static void forEachRandomWeight(LlavaConfig config, long seed, BiConsumer<String, float[]> sink) {
        SplittableRandom random = new SplittableRandom(seed);
        for (Map.Entry<String, long[]> e : CanonicalNames.shapes(config).entrySet()) {
            long n = 1;
            for (long d : e.getValue()) {
                n *= d;
            }
            float[] v = new float[Math.toIntExact(n)];
            String name = e.getKey();
            boolean norm = name.endsWith("norm.weight") || name.matches(".*layer_norm\\d\\.weight");
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) ((norm ? 1 : 0) + 0.02 * random.nextGaussian());
            }
            sink.accept(name, v);
        }
    }

    /**
     * Writes the llava-hf {@code config.json} of {@code config} into {@code dir} (created if needed),
     * atomically; for checkpoints whose weights come from elsewhere, such as a trained micro model.
     *
     * @return the written file
     */
    public static Path writeLlavaHfConfig(Path dir, LlavaConfig config) {
        Path file = dir.resolve("config.json");
        Builder.write(file, ConfigJson.llavaHfJson(config));
        return file;
    }

    /** Starts a checkpoint of {@code config}; defaults: F32, seed 0, one file, classic names. */
    public static Builder builder(LlavaConfig config) {
        return new Builder(config);
    }

    /** Writes files a checkpoint directory needs beyond config and weights (tokenizer, preprocessor). */
    @FunctionalInterface
    public interface ExtraFiles {
        void write(Path checkpointDir) throws IOException;
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
        private ExtraFiles extraFiles = dir -> {};

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
        public Builder extraFiles(ExtraFiles extraFiles) {
            this.extraFiles = extraFiles;
            return this;
        }

        /** Writes a llava-hf checkpoint into {@code dir} and returns it. */
        public Path writeLlavaHf(Path dir) {
            SafetensorsWriter w = new SafetensorsWriter().metadata("format", "pt");
            randomWeights(config, seed).forEach((name, v) -> {
                String stored = newNames ? newLlavaHfName(name) : name;
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
                if (name.startsWith("vision_tower.")) {
                    String clipName = name.substring("vision_tower.".length());
                    clip.add(clipName, v, dtype, shape);
                    if (embedTower) {
                        llava.add(Checkpoints.EMBEDDED_TOWER + clipName, v, dtype, shape);
                    }
                } else {
                    llava.add(originalName(name), v, dtype, shape);
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

        private String originalName(String canonical) {
            if (canonical.startsWith(CanonicalNames.PROJECTOR_1)) {
                String rest = canonical.substring(CanonicalNames.PROJECTOR_1.length());
                return "model.mm_projector." + ("linear".equals(config.projectorType()) ? "" : "0.") + rest;
            }
            if (canonical.startsWith(CanonicalNames.PROJECTOR_2)) {
                return "model.mm_projector.2." + canonical.substring(CanonicalNames.PROJECTOR_2.length());
            }
            if (canonical.equals(CanonicalNames.LM_HEAD)) {
                return "lm_head.weight";
            }
            return canonical.substring("language_model.".length());
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

    /** The transformers 4.52+ spelling of a canonical name. */
    static String newLlavaHfName(String canonical) {
        if (canonical.equals(CanonicalNames.LM_HEAD)) {
            return "lm_head.weight";
        }
        if (canonical.startsWith("language_model.model.")) {
            return "model.language_model." + canonical.substring("language_model.model.".length());
        }
        return "model." + canonical;
    }
}
