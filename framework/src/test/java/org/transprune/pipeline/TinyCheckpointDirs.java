package org.transprune.pipeline;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.transprune.checkpoint.TensorType;
import org.transprune.checkpoint.TinyCheckpoints;
import org.transprune.config.AnyResConfig;
import org.transprune.config.LlavaConfig;
import org.transprune.config.TextConfig;
import org.transprune.image.PreprocessorConfigWriter;
import org.transprune.synth.Vocabulary;
import org.transprune.text.WordLevelTokenizerWriter;

/**
 * Complete tiny checkpoint directories (weights, config, word-level tokenizer over the synthetic
 * benchmark's vocabulary, preprocessor config) for end-to-end tests of the pipeline and commands.
 */
public final class TinyCheckpointDirs {
    private TinyCheckpointDirs() {}

    /** Words of the tokenizer: the synthetic benchmark's vocabulary plus the chat template's. */
    public static List<String> words() {
        List<String> words = new ArrayList<>(Vocabulary.words());
        for (String w : List.of(
                "A",
                "chat",
                "between",
                "curious",
                "user",
                "and",
                "artificial",
                "intelligence",
                "assistant",
                "The",
                "gives",
                "helpful",
                "detailed",
                "polite",
                "answers",
                "to",
                "questions",
                ".",
                "USER",
                "ASSISTANT",
                ":",
                ",",
                "'",
                "s")) {
            if (!words.contains(w)) {
                words.add(w);
            }
        }
        return words;
    }

    /** The tiny model with a vocabulary that matches {@link #words()} and {@code layers} decoder layers. */
    public static LlavaConfig config(int layers) {
        LlavaConfig base = TinyCheckpoints.tinyConfig();
        TextConfig t = base.text();
        int vocab = WordLevelTokenizerWriter.SPECIAL_TOKENS.size() + words().size();
        TextConfig text = new TextConfig(
                t.hiddenSize(),
                t.intermediateSize(),
                layers,
                t.numHeads(),
                t.numKeyValueHeads(),
                vocab,
                t.rmsNormEps(),
                t.ropeTheta(),
                512,
                false);
        return new LlavaConfig(
                base.vision(),
                text,
                base.projectorType(),
                base.visionFeatureLayer(),
                base.visionFeatureSelect(),
                WordLevelTokenizerWriter.SPECIAL_TOKENS.indexOf("<image>"));
    }

    /** Writes a llava-hf directory with random weights of {@code dtype}. */
    public static Path write(Path dir, int layers, TensorType dtype, long seed) {
        LlavaConfig config = config(layers);
        return TinyCheckpoints.builder(config)
                .dtype(dtype)
                .seed(seed)
                .extraFiles(d -> {
                    new WordLevelTokenizerWriter().write(d, words());
                    PreprocessorConfigWriter.write(d, config.vision().imageSize());
                })
                .writeLlavaHf(dir);
    }

    public static Path write(Path dir) {
        return write(dir, 4, TensorType.F32, 3);
    }

    /**
     * The tiny LLaVA-NeXT: {@link #config} with AnyRes over 56 px views (4 x 4 patches each), pinpoints
     * {@code [56, 112], [112, 56], [112, 112]} and an {@code image_newline}; at most 16 + 8 x 9 = 88 image
     * tokens.
     */
    public static LlavaConfig nextConfig(int layers) {
        return config(layers)
                .withAnyRes(new AnyResConfig(
                        List.of(new int[] {56, 112}, new int[] {112, 56}, new int[] {112, 112}),
                        AnyResConfig.HF,
                        true));
    }

    /** Writes a llava-hf LLaVA-NeXT ({@code llava_next}) directory: read with the {@code hf} rule set. */
    public static Path writeNext(Path dir, int layers, TensorType dtype, long seed) {
        LlavaConfig config = nextConfig(layers);
        return TinyCheckpoints.builder(config)
                .dtype(dtype)
                .seed(seed)
                .extraFiles(d -> {
                    new WordLevelTokenizerWriter().write(d, words());
                    PreprocessorConfigWriter.write(d, config.vision().imageSize());
                })
                .writeLlavaHf(dir);
    }

    /**
     * Writes an original-layout LLaVA-NeXT directory ({@code image_aspect_ratio: anyres}, read with the
     * {@code llava} rule set) with its CLIP tower in {@code clipDir}; the same weights as
     * {@link #writeNext} for the same seed.
     */
    public static Path writeNextOriginal(Path dir, Path clipDir, int layers, long seed) {
        LlavaConfig config = nextConfig(layers);
        return TinyCheckpoints.builder(config)
                .seed(seed)
                .extraFiles(d -> {
                    new WordLevelTokenizerWriter().write(d, words());
                    PreprocessorConfigWriter.write(d, config.vision().imageSize());
                })
                .writeOriginal(dir, clipDir);
    }

    static void unchecked(IOException e) {
        throw new UncheckedIOException(e);
    }
}
