package org.transprune.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The shapes of the released Qwen2.5-VL checkpoints, by name, for cost accounting and sizing without
 * weights: {@code qwen2.5-vl-3b} (Qwen/Qwen2.5-VL-3B-Instruct) and {@code qwen2.5-vl-7b}
 * (Qwen/Qwen2.5-VL-7B-Instruct), as their {@code config.json} files give them. Unlike LLaVA the
 * number of image tokens follows the image size (see {@code image.QwenImageProcessor}), so a preset
 * carries no token count.
 */
public final class QwenPresets {
    public static final String QWEN2_5_VL_3B = "qwen2.5-vl-3b";
    public static final String QWEN2_5_VL_7B = "qwen2.5-vl-7b";

    /**
     * A named Qwen2.5-VL shape.
     *
     * @param name the lookup name
     * @param config the architecture
     * @param description the checkpoint it mirrors
     */
    public record Preset(String name, QwenConfig config, String description) {}

    private static final Map<String, Preset> PRESETS = build();

    private QwenPresets() {}

    /** Whether {@code name} (case-insensitive) is a Qwen preset. */
    public static boolean has(String name) {
        return name != null && PRESETS.containsKey(name.trim().toLowerCase(Locale.ROOT));
    }

    /**
     * The preset called {@code name} (case-insensitive).
     *
     * @throws IllegalArgumentException naming the known presets
     */
    public static Preset get(String name) {
        Preset p = name == null ? null : PRESETS.get(name.trim().toLowerCase(Locale.ROOT));
        if (p == null) {
            throw new IllegalArgumentException(
                    "unknown Qwen preset '" + name + "'; known presets: " + String.join(", ", names()));
        }
        return p;
    }

    public static List<String> names() {
        return List.copyOf(PRESETS.keySet());
    }

    /** The vision tower both released sizes share: 32 blocks of 1280, window attention but in blocks 7, 15, 23, 31. */
    public static QwenVisionConfig releasedVision(int outHidden) {
        return new QwenVisionConfig(32, 1280, 3420, 16, 14, 2, 2, 112, List.of(7, 15, 23, 31), outHidden);
    }

    private static Map<String, Preset> build() {
        Map<String, Preset> m = new LinkedHashMap<>();
        // Qwen2.5-3B: 36 layers, d 2048, m 11008, 16 heads, 2 KV heads, tied embeddings, vocab 151936.
        TextConfig t3 = new TextConfig(2048, 11008, 36, 16, 2, 151936, 1e-6, 1_000_000.0, 128000, true);
        // Qwen2.5-7B: 28 layers, d 3584, m 18944, 28 heads, 4 KV heads, separate LM head, vocab 152064.
        TextConfig t7 = new TextConfig(3584, 18944, 28, 28, 4, 152064, 1e-6, 1_000_000.0, 128000, false);
        List<Integer> mrope = List.of(16, 24, 24);
        m.put(
                QWEN2_5_VL_3B,
                new Preset(
                        QWEN2_5_VL_3B,
                        new QwenConfig(
                                releasedVision(2048),
                                t3,
                                mrope,
                                QwenConfig.IMAGE_PAD,
                                QwenConfig.VISION_START,
                                QwenConfig.VISION_END),
                        "Qwen/Qwen2.5-VL-3B-Instruct: 32-block window-attention ViT + Qwen2.5-3B (36 layers)"));
        m.put(
                QWEN2_5_VL_7B,
                new Preset(
                        QWEN2_5_VL_7B,
                        new QwenConfig(
                                releasedVision(3584),
                                t7,
                                mrope,
                                QwenConfig.IMAGE_PAD,
                                QwenConfig.VISION_START,
                                QwenConfig.VISION_END),
                        "Qwen/Qwen2.5-VL-7B-Instruct: 32-block window-attention ViT + Qwen2.5-7B (28 layers)"));
        return Collections.unmodifiableMap(m);
    }
}
