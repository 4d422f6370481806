package org.transprune.train;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.transprune.config.AnyResConfig;
import org.transprune.config.LlavaConfig;
import org.transprune.config.TextConfig;
import org.transprune.config.VisionConfig;
import org.transprune.image.PreprocessorConfigWriter;
import org.transprune.synth.Vocabulary;
import org.transprune.text.ChatTemplate;
import org.transprune.text.WordLevelTokenizerWriter;

/**
 * The micro LLaVA's fixed conventions: its prompt format (what evaluation uses too), its
 * tokenizer vocabulary, and the architecture sizes the trainer uses by default.
 */
public final class MicroModel {
    /** LLaVA-1.5's evaluation template, so the micro model is prompted like a real one. */
    public static final ChatTemplate TEMPLATE = ChatTemplate.VICUNA_V1;
    /** Appended to each question on a new line, as {@code transprune synth} writes it by default. */
    public static final String SUFFIX = Vocabulary.LLAVA_SHORT_ANSWER_SUFFIX;
    /** Input side of the tower: 336 px benchmark images are resized to this (12 x 12 patches of 14 px). */
    public static final int IMAGE_SIZE = 168;
    /** Longest sequence: prefix, 144 image tokens, a question and its answer fit in about 210. */
    public static final int MAX_POSITIONS = 256;

    // The Rust "Whitespace" pre-tokenizer's split (\w+|[^\w\s]+), so vocabulary words match its tokens.
    private static final Pattern PRE_TOKEN = Pattern.compile("\\w+|[^\\w\\s]+", Pattern.UNICODE_CHARACTER_CLASS);

    private MicroModel() {}

    /** The text a question is asked with: the benchmark question, a new line, the short-answer suffix. */
    public static String questionText(String question) {
        return question + "\n" + SUFFIX;
    }

    /**
     * The tokenizer's words after the special tokens: the benchmark's words, then the words of the
     * chat template (system text, roles), in a fixed order.
     */
    public static List<String> words() {
        Set<String> words = new LinkedHashSet<>();
        for (String w : Vocabulary.words()) {
            words.addAll(preTokens(w));
        }
        words.addAll(preTokens(TEMPLATE.render("", true).replace(ChatTemplate.IMAGE_PLACEHOLDER, " ")));
        words.removeAll(WordLevelTokenizerWriter.SPECIAL_TOKENS);
        return new ArrayList<>(words);
    }

    /** Vocabulary size: special tokens plus {@link #words()}. */
    public static int vocabSize() {
        return WordLevelTokenizerWriter.SPECIAL_TOKENS.size() + words().size();
    }

    /** Id of {@code <image>} in the written tokenizer. */
    public static int imageTokenId() {
        return WordLevelTokenizerWriter.SPECIAL_TOKENS.indexOf(ChatTemplate.IMAGE_PLACEHOLDER);
    }

    private static List<String> preTokens(String text) {
        List<String> out = new ArrayList<>();
        Matcher m = PRE_TOKEN.matcher(text);
        while (m.find()) {
            out.add(m.group());
        }
        return out;
    }

    /** Default tower width (MLP 4x, 4 heads of 32). */
    public static final int VISION_WIDTH = 128;
    /** Default tower blocks. */
    public static final int VISION_BLOCKS = 4;
    /** Default decoder width (4 heads of 32). */
    public static final int WIDTH = 128;
    /** Default decoder depth. */
    public static final int LAYERS = 10;
    /** Default SwiGLU width (3x). */
    public static final int MLP = 384;

    /**
     * The default micro model. Sizes from the feasibility runs (docs/djl-notes.md, the micro model)
     * and measurements here: 168 px input, 144 image tokens (576 does not fit the CPU budget); a CLIP-style tower 128
     * wide x 4 blocks (the first attempt's 96 learned colour but shape slowly; the tower is ~15%
     * of a step). The decoder is most of the cost (measured on the busy 2-core machine: 160 wide x
     * 12 layers trained at 1.6-3.5 images/s with one question each, too few for the budget), so it
     * is 128 wide x 10 layers (about half the per-token cost), still deep enough for a three-stage
     * pruning schedule. The feature layer is the last block (-1): with LLaVA's -2 the last block
     * would be saved untrained and never run.
     */
    public static LlavaConfig defaultConfig() {
        return config(VISION_WIDTH, VISION_BLOCKS, WIDTH, LAYERS, MLP);
    }

    /** A micro model with the given tower width/depth and decoder width/depth/MLP width. */
    public static LlavaConfig config(int visionWidth, int visionBlocks, int width, int layers, int mlp) {
        VisionConfig vision =
                new VisionConfig(visionWidth, 4 * visionWidth, visionBlocks, 4, IMAGE_SIZE, 14, 1e-5, "quick_gelu");
        TextConfig text = new TextConfig(width, mlp, layers, 4, 4, vocabSize(), 1e-6, 10000.0, MAX_POSITIONS, false);
        return new LlavaConfig(vision, text, "mlp2x_gelu", -1, "default", imageTokenId());
    }

    /** Longest sequence of the micro LLaVA-NeXT: prefix, up to 744 image tokens (336x336), a question and answer. */
    public static final int NEXT_MAX_POSITIONS = 1024;

    /**
     * The micro LLaVA-NeXT's candidate resolutions, llava-hf style (height, width): wide 168x336,
     * tall 336x168, square 336x336 (pixels, in 168 px tiles of the micro tower).
     */
    public static List<int[]> nextPinpoints() {
        return List.of(new int[] {168, 336}, new int[] {336, 168}, new int[] {336, 336});
    }

    /** The default micro LLaVA-NeXT. */
    public static LlavaConfig defaultNextConfig() {
        return nextConfig(VISION_WIDTH, VISION_BLOCKS, WIDTH, LAYERS, MLP);
    }

    /**
     * A micro LLaVA-NeXT: the micro LLaVA's architecture ({@link #config}) read as a llava-hf
     * {@code llava_next} model: AnyRes over {@link #nextPinpoints()} with the {@code hf} rule set and an
     * {@code image_newline} after every row of the tile grid, and room for {@value #NEXT_MAX_POSITIONS}
     * positions (RoPE has no learned positions, so the micro LLaVA's weights carry over unchanged).
     */
    public static LlavaConfig nextConfig(int visionWidth, int visionBlocks, int width, int layers, int mlp) {
        LlavaConfig c = config(visionWidth, visionBlocks, width, layers, mlp);
        TextConfig t = c.text();
        TextConfig longer = new TextConfig(
                t.hiddenSize(),
                t.intermediateSize(),
                t.numLayers(),
                t.numHeads(),
                t.numKeyValueHeads(),
                t.vocabSize(),
                t.rmsNormEps(),
                t.ropeTheta(),
                NEXT_MAX_POSITIONS,
                t.tieWordEmbeddings());
        return new LlavaConfig(
                c.vision(),
                longer,
                c.projectorType(),
                c.visionFeatureLayer(),
                c.visionFeatureSelect(),
                c.imageTokenId(),
                new AnyResConfig(nextPinpoints(), AnyResConfig.HF, true));
    }

    /** Writes the tokenizer files and preprocessor_config.json of a micro model checkpoint into {@code dir}. */
    public static void writeTextAndImageFiles(Path dir, LlavaConfig config) throws IOException {
        new WordLevelTokenizerWriter()
                .modelMaxLength(config.text().maxPositionEmbeddings())
                .write(dir, words());
        PreprocessorConfigWriter.write(dir, config.vision().imageSize());
    }
}
