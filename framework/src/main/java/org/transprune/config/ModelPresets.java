package org.transprune.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The shapes of the real LLaVA checkpoints the paper evaluates, by name, so cost accounting and
 * sizing work without loading any weights.
 *
 * <p>Known names: {@code llava-1.5-7b}, {@code llava-1.5-13b}, {@code llava-next-7b} and
 * {@code llava-next-mistral-7b}. Shapes are those of the original {@code liuhaotian/*}
 * checkpoints' {@code config.json} files.
 *
 * <p>Choices made here:
 * <ul>
 *   <li>Vocabulary: 32000, the LLaMA/Vicuna/Mistral tokenizer of the original checkpoints, which
 *       the TransPrune reference code loads. There the prompt's {@code <image>} is spliced in as a
 *       sentinel (-200) and never becomes a vocabulary id, so {@code imageTokenId} is -1. The
 *       {@code llava-hf/*} conversions instead add {@code <image>} (and padding) to the vocabulary,
 *       32064 rows; a checkpoint's own config.json wins over a preset once it is loaded.</li>
 *   <li>{@code llava-next-7b} is LLaVA-v1.6-Vicuna-7B, because the TransPrune reference scripts
 *       ({@code scripts/transprune/v1_6_test/*.sh} in liaolea/TransPrune) evaluate
 *       {@code llava-v1.6-vicuna-7b}. The Mistral variant is available separately as
 *       {@code llava-next-mistral-7b}.</li>
 *   <li>Image tokens of LLaVA-NeXT: AnyRes encodes a base 336 px view plus up to four 336 px
 *       tiles, i.e. at most 5 x 576 = 2880 tokens (before unpadding and the per-row newline
 *       token, which make the real count vary with the aspect ratio). The cost convention of the
 *       in-LLM pruning papers (FastV, SparseVLM, PDrop) quotes this 2880 upper bound for LLaVA-NeXT;
 *       the TransPrune paper's NeXT table could not be checked here, so 2880 is an assumption
 *       recorded in {@link Preset#imageTokens()}. The NeXT presets carry the AnyRes settings of
 *       those checkpoints (standard pinpoints, a newline per grid row, the original code's
 *       {@code llava} rule set).</li>
 * </ul>
 */
public final class ModelPresets {

    /** LLaVA-1.5 with Vicuna-7B: 576 image tokens, 32 layers, d 4096, m 11008. */
    public static final String LLAVA_1_5_7B = "llava-1.5-7b";
    /** LLaVA-1.5 with Vicuna-13B: 576 image tokens, 40 layers, d 5120, m 13824. */
    public static final String LLAVA_1_5_13B = "llava-1.5-13b";
    /** LLaVA-v1.6 (NeXT) with Vicuna-7B, AnyRes: up to 2880 image tokens. */
    public static final String LLAVA_NEXT_7B = "llava-next-7b";
    /** LLaVA-v1.6 (NeXT) with Mistral-7B (grouped-query attention, 8 KV heads), AnyRes. */
    public static final String LLAVA_NEXT_MISTRAL_7B = "llava-next-mistral-7b";

    /** Image tokens of one 336 px view: 24 x 24 patches. */
    private static final int BASE_VIEW_TOKENS = 576;
    /** AnyRes maximum: the base view plus four tiles (2x2 grid at 672 px). */
    private static final int ANYRES_MAX_TOKENS = 5 * BASE_VIEW_TOKENS;

    /**
     * A named model shape.
     *
     * @param name the lookup name, e.g. {@code llava-1.5-7b}
     * @param config the architecture
     * @param imageTokens image tokens one image contributes to the prompt under the cost
     *     convention: 576 for LLaVA-1.5, the AnyRes maximum 2880 for LLaVA-NeXT
     * @param description one line for listings: the checkpoint it mirrors
     */
    public record Preset(String name, LlavaConfig config, int imageTokens, String description) {
        public Preset {
            TextConfig.require(imageTokens > 0, "imageTokens must be positive");
        }
    }

    private static final Map<String, Preset> PRESETS = build();

    private ModelPresets() {}

    /**
     * The preset called {@code name} (case-insensitive).
     *
     * @throws IllegalArgumentException naming the known presets when there is none of that name
     */
    public static Preset get(String name) {
        Preset preset = name == null ? null : PRESETS.get(name.trim().toLowerCase(Locale.ROOT));
        if (preset == null) {
            throw new IllegalArgumentException(
                    "unknown model preset '" + name + "'; known presets: " + String.join(", ", names()));
        }
        return preset;
    }

    /** Shorthand for {@code get(name).config()}. */
    public static LlavaConfig config(String name) {
        return get(name).config();
    }

    /** The known names, in a stable order (smallest LLaVA-1.5 first). */
    public static List<String> names() {
        return List.copyOf(PRESETS.keySet());
    }

    /** All presets, in the order of {@link #names()}. */
    public static List<Preset> all() {
        return List.copyOf(PRESETS.values());
    }

    private static Map<String, Preset> build() {
        // CLIP ViT-L/14 at 336 px (openai/clip-vit-large-patch14-336), shared by every preset.
        VisionConfig clipL336 = new VisionConfig(1024, 4096, 24, 16, 336, 14, 1e-5, "quick_gelu");

        // Vicuna-7B v1.5 (LLaMA-2 7B shape).
        TextConfig vicuna7b = new TextConfig(4096, 11008, 32, 32, 32, 32000, 1e-5, 10000.0, 4096, false);
        // Vicuna-13B v1.5 (LLaMA-2 13B shape).
        TextConfig vicuna13b = new TextConfig(5120, 13824, 40, 40, 40, 32000, 1e-5, 10000.0, 4096, false);
        // Mistral-7B-Instruct-v0.2: grouped-query attention, long RoPE base.
        TextConfig mistral7b = new TextConfig(4096, 14336, 32, 32, 8, 32000, 1e-5, 1_000_000.0, 32768, false);

        Map<String, Preset> presets = new LinkedHashMap<>();
        add(
                presets,
                LLAVA_1_5_7B,
                llava(clipL336, vicuna7b),
                BASE_VIEW_TOKENS,
                "liuhaotian/llava-v1.5-7b: CLIP ViT-L/14-336 + mlp2x_gelu + Vicuna-7B");
        add(
                presets,
                LLAVA_1_5_13B,
                llava(clipL336, vicuna13b),
                BASE_VIEW_TOKENS,
                "liuhaotian/llava-v1.5-13b: CLIP ViT-L/14-336 + mlp2x_gelu + Vicuna-13B");
        add(
                presets,
                LLAVA_NEXT_7B,
                llava(clipL336, vicuna7b).withAnyRes(anyRes()),
                ANYRES_MAX_TOKENS,
                "liuhaotian/llava-v1.6-vicuna-7b: AnyRes (<= 2880 image tokens) + Vicuna-7B");
        add(
                presets,
                LLAVA_NEXT_MISTRAL_7B,
                llava(clipL336, mistral7b).withAnyRes(anyRes()),
                ANYRES_MAX_TOKENS,
                "liuhaotian/llava-v1.6-mistral-7b: AnyRes (<= 2880 image tokens) + Mistral-7B (8 KV heads)");
        return Collections.unmodifiableMap(presets);
    }

    private static LlavaConfig llava(VisionConfig vision, TextConfig text) {
        // Feature layer -2 (second-to-last block), CLS dropped, no vocabulary id for <image>.
        return new LlavaConfig(vision, text, "mlp2x_gelu", -2, "default", -1);
    }

    private static AnyResConfig anyRes() {
        // the liuhaotian checkpoints: standard pinpoints, spatial_unpad (newline per row), original rules
        return new AnyResConfig(AnyResConfig.standardPinpoints(), AnyResConfig.LLAVA, true);
    }

    private static void add(
            Map<String, Preset> presets, String name, LlavaConfig config, int imageTokens, String description) {
        presets.put(name, new Preset(name, config, imageTokens, description));
    }
}
