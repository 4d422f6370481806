package org.transprune.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.transprune.checkpoint.RandomCheckpointWriter;
import org.transprune.checkpoint.SafetensorsStreamWriter;
import org.transprune.checkpoint.TensorType;
import org.transprune.config.LlavaConfig;
import org.transprune.config.ModelPresets;
import org.transprune.config.QwenConfig;
import org.transprune.config.QwenPresets;
import org.transprune.config.TextConfig;
import org.transprune.image.PreprocessorConfigWriter;
import org.transprune.image.QwenImageProcessor;
import org.transprune.synth.Vocabulary;
import org.transprune.text.QwenTokenizerWriter;
import org.transprune.text.WordLevelTokenizerWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code transprune make-checkpoint}: a random-weight checkpoint with a real model's shapes. */
@Command(
        name = "make-checkpoint",
        mixinStandardHelpOptions = true,
        description = {
            "Write a random-weight llava-hf (or Qwen2.5-VL) checkpoint with the shapes of a real model (sharded",
            "safetensors + index, config.json, a word-level tokenizer with the preset's vocabulary size,",
            "preprocessor_config.json), to benchmark real-size inference without downloading weights.",
            "Streams tensor by tensor: the heap never holds the weights."
        })
public final class MakeCheckpointCommand implements Callable<Integer> {
    @Option(
            names = "--preset",
            required = true,
            paramLabel = "NAME",
            description = "model shape: one of ${COMPLETION-CANDIDATES}",
            completionCandidates = PresetNames.class)
    String preset;

    @Option(names = "--dtype", defaultValue = "bf16", description = "bf16, fp16 or fp32 (default: ${DEFAULT-VALUE})")
    TensorType dtype;

    @Option(names = "--seed", defaultValue = "0", description = "weight seed (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(
            names = "--shard-size",
            defaultValue = "5GB",
            paramLabel = "SIZE",
            description =
                    "data bytes per shard, e.g. 5GB, 500MB (decimal units, as Hugging Face; default: ${DEFAULT-VALUE})")
    String shardSize;

    @Option(
            names = "--layers",
            paramLabel = "N",
            description = "keep only the first N decoder layers (a slice of the real shape, for quick comparisons)")
    Integer layers;

    @Option(names = "--dry-run", description = "print the shard plan and sizes, write nothing")
    boolean dryRun;

    @Parameters(index = "0", paramLabel = "OUT", description = "output directory (must not exist or be empty)")
    Path out;

    /** Preset names for the help text. */
    static final class PresetNames implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            List<String> names = new ArrayList<>(ModelPresets.names());
            names.addAll(QwenPresets.names());
            return names.iterator();
        }
    }

    @Override
    public Integer call() throws IOException {
        RandomCheckpointWriter writer;
        int decoderLayers;
        if (QwenPresets.has(preset)) {
            QwenConfig config = qwenCheckpointConfig(QwenPresets.get(preset).config(), layers);
            writer = qwenWriter(config, dtype, seed, parseSize(shardSize));
            decoderLayers = config.text().numLayers();
        } else {
            LlavaConfig config = checkpointConfig(ModelPresets.config(preset), layers);
            writer = writer(config, dtype, seed, parseSize(shardSize));
            decoderLayers = config.text().numLayers();
        }
        SafetensorsStreamWriter plan = writer.plan();
        long total = plan.dataBytes();
        System.out.printf(
                "%s %s, %d decoder layers: %d tensors, %.2f GB in %d shard(s)%n",
                preset,
                dtype.name().toLowerCase(Locale.ROOT),
                decoderLayers,
                writer.tensors().size(),
                total / 1e9,
                plan.shards().size());
        for (SafetensorsStreamWriter.Shard s : plan.shards()) {
            System.out.printf(
                    "  %s: %d tensors, %.2f GB%n", s.fileName(), s.tensors().size(), s.dataBytes() / 1e9);
        }
        if (dryRun) {
            return 0;
        }
        if (Files.exists(out)) {
            try (Stream<Path> entries = Files.list(out)) {
                if (entries.findAny().isPresent()) {
                    throw new UserError(out + " is not empty; give a new or empty directory");
                }
            }
        }
        Path existing = out.toAbsolutePath();
        while (!Files.exists(existing)) {
            existing = existing.getParent();
        }
        long usable = Files.getFileStore(existing).getUsableSpace();
        if (usable < total + (64L << 20)) {
            throw new UserError(String.format(
                    "%s has %.2f GB free; the checkpoint needs %.2f GB", existing, usable / 1e9, total / 1e9));
        }
        long t0 = System.nanoTime();
        long[] lastReport = {t0};
        writer.write(out, (done, all) -> {
            long now = System.nanoTime();
            if (now - lastReport[0] > 5_000_000_000L || done == all) {
                lastReport[0] = now;
                double s = (now - t0) / 1e9;
                System.err.printf(
                        "  %.2f / %.2f GB (%.0f%%), %.0f MB/s%n",
                        done / 1e9, all / 1e9, 100.0 * done / all, done / 1e6 / s);
            }
        });
        System.out.printf("wrote %s in %.1f s%n", out, (System.nanoTime() - t0) / 1e9);
        return 0;
    }

    /** The writer of a complete checkpoint directory of {@code config}: weights, config, tokenizer, preprocessor. */
    static RandomCheckpointWriter writer(LlavaConfig config, TensorType dtype, long seed, long shardBytes) {
        return new RandomCheckpointWriter(config)
                .dtype(dtype)
                .seed(seed)
                .maxShardBytes(shardBytes)
                .extraFiles(dir -> {
                    new WordLevelTokenizerWriter()
                            .modelMaxLength(config.text().maxPositionEmbeddings())
                            .write(dir, tokenizerWords(config.text().vocabSize()));
                    PreprocessorConfigWriter.write(dir, config.vision().imageSize());
                });
    }

    /**
     * The writer of a complete Qwen2.5-VL checkpoint directory (released layout): weights, config, a word-level
     * tokenizer with the Qwen special tokens at their real ids, and a preprocessor config with the project's
     * CPU {@code max_pixels}.
     */
    static RandomCheckpointWriter qwenWriter(QwenConfig config, TensorType dtype, long seed, long shardBytes) {
        return RandomCheckpointWriter.qwen(config, false)
                .dtype(dtype)
                .seed(seed)
                .maxShardBytes(shardBytes)
                .extraFiles(dir -> {
                    List<String> words = new ArrayList<>(Vocabulary.words());
                    words.addAll(List.of("system", "You", "are", "a", "helpful", "assistant", ".", "user", "?"));
                    QwenTokenizerWriter.write(
                            dir,
                            words,
                            QwenTokenizerWriter.RELEASED_IDS,
                            config.text().vocabSize());
                    QwenImageProcessor.writeConfig(dir, QwenImageProcessor.CPU_MAX_PIXELS);
                });
    }

    /** A Qwen preset with only its first {@code layers} decoder layers (all when null). */
    static QwenConfig qwenCheckpointConfig(QwenConfig preset, Integer layers) {
        TextConfig t = preset.text();
        if (layers == null) {
            return preset;
        }
        if (layers < 1 || layers > t.numLayers()) {
            throw new UserError("--layers must be in 1.." + t.numLayers() + ", got " + layers);
        }
        TextConfig text = new TextConfig(
                t.hiddenSize(),
                t.intermediateSize(),
                layers,
                t.numHeads(),
                t.numKeyValueHeads(),
                t.vocabSize(),
                t.rmsNormEps(),
                t.ropeTheta(),
                t.maxPositionEmbeddings(),
                t.tieWordEmbeddings());
        return new QwenConfig(
                preset.vision(),
                text,
                preset.mropeSection(),
                preset.imageTokenId(),
                preset.visionStartTokenId(),
                preset.visionEndTokenId());
    }

    /**
     * The preset as a llava-hf checkpoint describes it: the presets follow the original LLaVA, whose
     * {@code <image>} is not a vocabulary id, while llava-hf needs one; here it is the word-level
     * tokenizer's {@code <image>} id, so the vocabulary size stays the preset's.
     */
    static LlavaConfig checkpointConfig(LlavaConfig preset, Integer layers) {
        TextConfig t = preset.text();
        if (layers != null && (layers < 1 || layers > t.numLayers())) {
            throw new UserError("--layers must be in 1.." + t.numLayers() + ", got " + layers);
        }
        TextConfig text = layers == null
                ? t
                : new TextConfig(
                        t.hiddenSize(),
                        t.intermediateSize(),
                        layers,
                        t.numHeads(),
                        t.numKeyValueHeads(),
                        t.vocabSize(),
                        t.rmsNormEps(),
                        t.ropeTheta(),
                        t.maxPositionEmbeddings(),
                        t.tieWordEmbeddings());
        return new LlavaConfig(
                preset.vision(),
                text,
                preset.projectorType(),
                preset.visionFeatureLayer(),
                preset.visionFeatureSelect(),
                WordLevelTokenizerWriter.SPECIAL_TOKENS.indexOf("<image>"),
                preset.anyRes());
    }

    /**
     * A vocabulary of exactly {@code vocabSize} ids: the special tokens, the synthetic benchmark's
     * words and the chat template's, then fillers {@code tok<i>}, so prompts in English about the
     * synthetic scenes tokenise to real ids.
     */
    static List<String> tokenizerWords(int vocabSize) {
        List<String> words = new ArrayList<>();
        for (String w : Vocabulary.words()) {
            if (!words.contains(w)) {
                words.add(w);
            }
        }
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
                "s",
                "?",
                "Describe",
                "the",
                "image",
                "What",
                "is",
                "in",
                "this")) {
            if (!words.contains(w) && !WordLevelTokenizerWriter.SPECIAL_TOKENS.contains(w)) {
                words.add(w);
            }
        }
        int wanted = vocabSize - WordLevelTokenizerWriter.SPECIAL_TOKENS.size();
        if (words.size() > wanted) {
            throw new UserError("vocabulary of " + vocabSize + " is too small for the " + words.size() + " base words");
        }
        for (int i = 0; words.size() < wanted; i++) {
            words.add("tok" + i);
        }
        return words;
    }

    /** The {@code --dtype} converter: bf16, fp16 or fp32 (and their other spellings). */
    static TensorType parseDtype(String s) {
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "bf16", "bfloat16" -> TensorType.BF16;
            case "fp16", "f16", "float16" -> TensorType.F16;
            case "fp32", "f32", "float32" -> TensorType.F32;
            default -> throw new CommandLine.TypeConversionException("must be bf16, fp16 or fp32, got '" + s + "'");
        };
    }

    /** "5GB", "500MB", "1000" (bytes): decimal units, as Hugging Face's max_shard_size. */
    static long parseSize(String s) {
        String t = s.trim().toUpperCase(Locale.ROOT);
        long unit = 1;
        for (String[] u : new String[][] {{"GB", "1000000000"}, {"MB", "1000000"}, {"KB", "1000"}, {"B", "1"}}) {
            if (t.endsWith(u[0])) {
                unit = Long.parseLong(u[1]);
                t = t.substring(0, t.length() - u[0].length()).trim();
                break;
            }
        }
        try {
            long v = (long) (Double.parseDouble(t) * unit);
            if (v <= 0) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw new UserError("--shard-size must be a positive size such as 5GB or 500MB, got '" + s + "'");
        }
    }
}
