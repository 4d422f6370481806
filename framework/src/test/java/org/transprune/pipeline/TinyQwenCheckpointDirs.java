package org.transprune.pipeline;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.transprune.checkpoint.RandomCheckpointWriter;
import org.transprune.checkpoint.TensorType;
import org.transprune.config.QwenConfig;
import org.transprune.image.QwenImageProcessor;
import org.transprune.model.TinyQwen;
import org.transprune.text.QwenPrompt;
import org.transprune.text.QwenTokenizerWriter;

/**
 * Complete tiny Qwen2.5-VL checkpoint directories written by the project: random weights in the released or the
 * newer layout, config.json, a word-level tokenizer with the Qwen special tokens at the tiny config's ids (pad 99,
 * vision start 97, end 98) and a preprocessor config with {@code max_pixels} 112 x 112 (at most 16 image tokens).
 */
public final class TinyQwenCheckpointDirs {
    /** Special tokens of the tiny vocabulary of 100. */
    public static final Map<String, Integer> SPECIAL_IDS = specialIds();

    public static final int MAX_PIXELS = 112 * 112;

    private TinyQwenCheckpointDirs() {}

    private static Map<String, Integer> specialIds() {
        Map<String, Integer> m = new LinkedHashMap<>();
        m.put(QwenPrompt.END_OF_TEXT, 93);
        m.put(QwenPrompt.IM_START, 94);
        m.put(QwenPrompt.IM_END, 95);
        m.put(QwenPrompt.VISION_START, 97);
        m.put(QwenPrompt.VISION_END, 98);
        m.put(QwenPrompt.IMAGE_PAD, 99);
        return m;
    }

    /** The template's words and some question words. */
    public static List<String> words() {
        return new ArrayList<>(List.of(
                "system",
                "You",
                "are",
                "a",
                "helpful",
                "assistant",
                ".",
                "user",
                "what",
                "color",
                "is",
                "the",
                "circle",
                "?",
                "red",
                "blue",
                "green",
                "yes",
                "no",
                "Answer",
                "question",
                "using",
                "single",
                "word",
                "or",
                "phrase"));
    }

    /** Writes a checkpoint of {@code config} (vocabulary 100) into {@code dir}. */
    public static Path write(Path dir, QwenConfig config, boolean nested, long seed) {
        RandomCheckpointWriter.qwen(config, nested)
                .dtype(TensorType.F32)
                .seed(seed)
                .extraFiles(d -> {
                    QwenTokenizerWriter.write(
                            d, words(), SPECIAL_IDS, config.text().vocabSize());
                    QwenImageProcessor.writeConfig(d, MAX_PIXELS);
                })
                .write(dir, (done, total) -> {});
        return dir;
    }

    /** The tiny Qwen of {@link TinyQwen#config()} written in the released layout. */
    public static Path write(Path dir) {
        return write(dir, TinyQwen.config(), false, 3);
    }
}
