package org.transprune.checkpoint;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.transprune.config.LlavaConfig;
import org.transprune.config.VisionConfig;

/**
 * Opens LLaVA checkpoint directories of the supported Hugging Face layouts and checks that they hold
 * what the engine needs.
 *
 * <ul>
 *   <li>{@value Checkpoint#LLAVA_HF}: {@code LlavaForConditionalGeneration}, tensor names of
 *       transformers before or after 4.52.
 *   <li>{@value Checkpoint#LLAVA_ORIGINAL}: {@code LlavaLlamaForCausalLM}; the CLIP tower is the
 *       directory {@code mm_vision_tower} names, or is stored inside the checkpoint.
 * </ul>
 *
 * Weights must be safetensors: one {@code model.safetensors}, a sharded index, or several
 * {@code *.safetensors} files.
 */
public final class Checkpoints {
    private Checkpoints() {}

    /** Opens {@code dir}, finding an original LLaVA checkpoint's vision tower by itself. */
    public static Checkpoint open(Path dir) {
        return open(dir, null);
    }

    /**
     * Opens {@code dir}.
     *
     * @param visionTowerDir the CLIP directory of an original LLaVA checkpoint, overriding its
     *     {@code mm_vision_tower}; null to resolve that (as a path, absolute or relative to {@code dir},
     *     or as a sibling directory named after its last component); ignored for llava-hf
     * @throws CheckpointException naming the directory and what is wrong or missing
     */
    public static Checkpoint open(Path dir, Path visionTowerDir) {
        Path configFile = dir.resolve("config.json");
        if (!Files.isDirectory(dir)) {
            throw new CheckpointException(dir + ": not a directory");
        }
        if (!Files.isRegularFile(configFile)) {
            throw new CheckpointException(dir + ": no config.json (is this a Hugging Face checkpoint directory?)");
        }
        JsonNode root = ConfigJson.read(configFile);
        String layout = layoutOf(root, configFile);
        Optional<Path> tokenizer = existing(dir.resolve("tokenizer.json"));
        Optional<Path> preprocessor = existing(dir.resolve("preprocessor_config.json"));
        if (layout.equals(Checkpoint.LLAVA_HF)) {
            LlavaConfig config = ConfigJson.llavaHf(root, configFile);
            TensorSource weights = weights(dir);
            try {
                TensorSource tensors = RenamedTensorSource.builder(dir + " (llava-hf)")
                        .add(weights, CanonicalNames::fromLlavaHf)
                        .build();
                return new Checkpoint(config, tensors, dir, tokenizer, preprocessor, layout);
            } catch (RuntimeException e) {
                closeQuietly(weights);
                throw e;
            }
        }
        return openOriginal(dir, visionTowerDir, root, configFile, tokenizer, preprocessor);
    }

    private static Checkpoint openOriginal(
            Path dir,
            Path visionTowerDir,
            JsonNode root,
            Path configFile,
            Optional<Path> tokenizer,
            Optional<Path> preprocessor) {
        if (!root.hasNonNull("mm_vision_tower")) {
            throw new CheckpointException(configFile + ": required key 'mm_vision_tower' is missing");
        }
        String towerName = ConfigJson.string(root, "mm_vision_tower", "", configFile);
        ConfigJson.requiredInt(root, "mm_vision_select_layer", configFile);
        TensorSource weights = weights(dir);
        boolean embedded = weights.names().stream().anyMatch(n -> n.startsWith(CanonicalNames.EMBEDDED_TOWER));
        Optional<Path> towerDir = towerDir(dir, visionTowerDir, towerName);
        if (towerDir.isEmpty() && !embedded) {
            closeQuietly(weights);
            throw new CheckpointException(
                    dir + ": the vision tower '" + towerName + "' (mm_vision_tower) was not found;"
                            + " looked at " + towerCandidates(dir, towerName) + ". Download the CLIP checkpoint"
                            + " (safetensors) and pass its directory as the vision tower directory (--vision-tower),"
                            + " or place it beside the checkpoint as "
                            + dir.toAbsolutePath().getParent().resolve(lastComponent(towerName)));
        }
        try {
            VisionConfig vision = towerDir.isPresent()
                    ? ConfigJson.clipVision(
                            ConfigJson.read(towerDir.get().resolve("config.json")),
                            towerDir.get().resolve("config.json"),
                            "")
                    : inferVision(weights, dir);
            LlavaConfig config = ConfigJson.originalLlava(root, configFile, vision);
            RenamedTensorSource.Builder b = RenamedTensorSource.builder(dir + " (original LLaVA)")
                    .add(weights, n -> CanonicalNames.fromOriginalLlava(n, config.projectorType()));
            if (!embedded) {
                TensorSource tower = weights(towerDir.get());
                try {
                    b.add(tower, CanonicalNames::fromClip);
                } catch (RuntimeException e) {
                    closeQuietly(tower);
                    throw e;
                }
            }
            if (preprocessor.isEmpty() && towerDir.isPresent()) {
                preprocessor = existing(towerDir.get().resolve("preprocessor_config.json"));
            }
            return new Checkpoint(config, b.build(), dir, tokenizer, preprocessor, Checkpoint.LLAVA_ORIGINAL);
        } catch (RuntimeException e) {
            closeQuietly(weights);
            throw e;
        }
    }

    /**
     * Writes the llava-hf {@code config.json} of {@code config} into {@code dir} (created if needed),
     * atomically; for checkpoints whose weights are written by other means, such as a trained micro model.
     *
     * @return the written file
     */
    public static Path writeLlavaHfConfig(Path dir, LlavaConfig config) {
        Path file = dir.resolve("config.json");
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        SafetensorsWriter.writeAtomically(file, SafetensorsWriter.prettyJson(ConfigJson.llavaHfJson(config)));
        return file;
    }

    // ---- layout detection and weight files

    private static final Set<String> ARCHITECTURES = Set.of(
            "LlavaForConditionalGeneration",
            ConfigJson.NEXT_ARCHITECTURE,
            "LlavaLlamaForCausalLM",
            "LlavaMistralForCausalLM");

    private static String layoutOf(JsonNode root, Path configFile) {
        if (QwenConfigJson.isQwen(root)) {
            throw new CheckpointException(configFile + ": a Qwen2.5-VL checkpoint (" + QwenConfigJson.MODEL_TYPE
                    + "), not LLaVA; it is opened by QwenCheckpoints (the pipelines choose it by themselves)");
        }
        JsonNode archs = root.get("architectures");
        if (archs != null && archs.isArray() && archs.size() > 0) {
            String arch = archs.get(0).asText();
            return switch (arch) {
                case "LlavaForConditionalGeneration", ConfigJson.NEXT_ARCHITECTURE -> Checkpoint.LLAVA_HF;
                case "LlavaLlamaForCausalLM", "LlavaMistralForCausalLM" -> Checkpoint.LLAVA_ORIGINAL;
                default ->
                    throw new CheckpointException(configFile + ": unknown architecture '" + arch + "' (supported: "
                            + String.join(", ", new TreeSet<>(ARCHITECTURES)) + ")");
            };
        }
        if (root.has("text_config") || root.has("vision_config")) {
            return Checkpoint.LLAVA_HF;
        }
        if (root.has("mm_vision_tower")) {
            return Checkpoint.LLAVA_ORIGINAL;
        }
        throw new CheckpointException(configFile + ": no 'architectures' and neither text_config/vision_config"
                + " (llava-hf) nor mm_vision_tower (original LLaVA): not a LLaVA checkpoint");
    }

    /** The safetensors weights of {@code dir}: the shard index, {@code model.safetensors}, or every file. */
    static TensorSource weights(Path dir) {
        Path index = dir.resolve(SafetensorsWriter.INDEX_FILE);
        if (Files.isRegularFile(index)) {
            return ShardedSafetensors.open(index);
        }
        Path single = dir.resolve("model.safetensors");
        if (Files.isRegularFile(single)) {
            return SafetensorsFile.open(single);
        }
        List<Path> files = list(dir, ".safetensors");
        if (files.isEmpty()) {
            List<Path> pickles = list(dir, ".bin");
            pickles.addAll(list(dir, ".pt"));
            throw new CheckpointException(
                    dir + ": no .safetensors weights"
                            + (pickles.isEmpty()
                                    ? ""
                                    : " (found " + pickles.get(0).getFileName()
                                            + (pickles.size() > 1 ? " and " + (pickles.size() - 1) + " more" : "")
                                            + ": PyTorch pickle files are not supported; convert them to safetensors first,"
                                            + " e.g. load with transformers and save_pretrained(..., safe_serialization=True))"));
        }
        if (files.size() == 1) {
            return SafetensorsFile.open(files.get(0));
        }
        RenamedTensorSource.Builder b = RenamedTensorSource.builder(dir + " (" + files.size() + " safetensors files)");
        try {
            for (Path f : files) {
                b.add(SafetensorsFile.open(f), n -> n);
            }
        } catch (RuntimeException e) {
            closeQuietly(b.build());
            throw e;
        }
        return b.build();
    }

    private static List<Path> list(Path dir, String suffix) {
        try (Stream<Path> s = Files.list(dir)) {
            return new ArrayList<>(s.filter(p -> p.getFileName().toString().endsWith(suffix) && Files.isRegularFile(p))
                    .sorted()
                    .toList());
        } catch (IOException e) {
            throw new CheckpointException(dir + ": cannot list: " + e, e);
        }
    }

    // ---- the vision tower of original LLaVA checkpoints

    private static Optional<Path> towerDir(Path dir, Path override, String towerName) {
        if (override != null) {
            if (!Files.isRegularFile(override.resolve("config.json"))) {
                throw new CheckpointException(override + ": the vision tower directory has no config.json"
                        + (Files.isDirectory(override) ? "" : " (it does not exist)"));
            }
            return Optional.of(override);
        }
        return towerCandidates(dir, towerName).stream()
                .filter(p -> Files.isRegularFile(p.resolve("config.json")))
                .findFirst();
    }

    private static List<Path> towerCandidates(Path dir, String towerName) {
        Set<Path> c = new LinkedHashSet<>();
        if (!towerName.isEmpty()) {
            Path named = Path.of(towerName);
            c.add(named.isAbsolute() ? named : dir.resolve(named).normalize());
            Path parent = dir.toAbsolutePath().getParent();
            if (parent != null) {
                c.add(parent.resolve(lastComponent(towerName)));
            }
        }
        return new ArrayList<>(c);
    }

    private static String lastComponent(String towerName) {
        String t = towerName.replaceAll("[/\\\\]+$", "");
        int slash = Math.max(t.lastIndexOf('/'), t.lastIndexOf('\\'));
        return slash < 0 ? t : t.substring(slash + 1);
    }

    /**
     * The tower's shape read off an embedded tower's tensors, for checkpoints that carry no CLIP config.
     * Head count is not stored anywhere; every CLIP ViT uses 64-wide heads, so that is assumed.
     */
    private static VisionConfig inferVision(TensorSource w, Path dir) {
        long[] patch = w.info(CanonicalNames.toEmbeddedTower(CanonicalNames.PATCH_EMBEDDING))
                .shape();
        long[] pos = w.info(CanonicalNames.toEmbeddedTower(CanonicalNames.POSITION_EMBEDDING))
                .shape();
        long[] fc1 = w.info(CanonicalNames.toEmbeddedTower(fc1(0))).shape();
        int layers = 0;
        while (w.contains(CanonicalNames.toEmbeddedTower(fc1(layers)))) {
            layers++;
        }
        int hidden = (int) patch[0];
        int grid = (int) Math.round(Math.sqrt(pos[0] - 1));
        if (hidden % 64 != 0 || (long) grid * grid != pos[0] - 1) {
            throw new CheckpointException(dir + ": the embedded vision tower's shape cannot be inferred"
                    + " (no CLIP config); pass the CLIP directory as the vision tower directory");
        }
        return new VisionConfig(
                hidden, (int) fc1[0], layers, hidden / 64, grid * (int) patch[2], (int) patch[2], 1e-5, "quick_gelu");
    }

    private static String fc1(int block) {
        return CanonicalNames.visionLayer(block) + CanonicalNames.VISION_FC_1 + "weight";
    }

    // ---- validation

    /** Problems listed one by one in a validation message; the rest are counted. */
    static final int LISTED_PROBLEMS = 10;

    /**
     * Checks that every tensor the engine needs is present with the shape the configuration implies and
     * a float type; optional tensors (post-LayerNorm, tower blocks past the feature layer) are checked
     * only when present.
     *
     * @throws CheckpointException with the first {@value #LISTED_PROBLEMS} problems and their count; or,
     *     when tensors have the wrong shape and config.json lacks a key that sets it (transformers'
     *     default was assumed), one line naming config.json and the key
     */
    public static void validate(Checkpoint checkpoint) {
        LlavaConfig config = checkpoint.config();
        TensorSource t = checkpoint.tensors();
        List<String> problems = new ArrayList<>();
        boolean misshapen = false;
        for (Map.Entry<String, long[]> e : CanonicalNames.shapes(config).entrySet()) {
            String name = e.getKey();
            if (!t.contains(name)) {
                if (!CanonicalNames.optional(name, config)) {
                    problems.add("missing " + name + " " + Arrays.toString(e.getValue()));
                }
                continue;
            }
            try {
                TensorInfo info = t.info(name);
                if (!Arrays.equals(info.shape(), e.getValue())) {
                    misshapen = true;
                    problems.add(name + ": expected shape " + Arrays.toString(e.getValue()) + ", found "
                            + info.shapeString());
                }
                if (info.type() != TensorType.F32 && info.type() != TensorType.F16 && info.type() != TensorType.BF16) {
                    problems.add(name + ": dtype " + info.type() + " is not a float type (F32, F16, BF16)");
                }
            } catch (CheckpointException ex) {
                problems.add(name + ": " + ex.getMessage());
            }
        }
        if (problems.isEmpty()) {
            return;
        }
        if (misshapen) {
            Path configFile = checkpoint.directory().resolve("config.json");
            List<String> defaulted = ConfigJson.absentShapeKeys(ConfigJson.read(configFile), checkpoint.layout());
            if (!defaulted.isEmpty()) {
                throw new CheckpointException(configFile + ": " + (defaulted.size() == 1 ? "key " : "keys ")
                        + String.join(", ", defaulted) + (defaulted.size() == 1 ? " is" : " are")
                        + " missing, so transformers' defaults were assumed, and the weights do not match them ("
                        + problems.size() + " problem(s), first: " + problems.get(0) + ")");
            }
        }
        StringBuilder m = new StringBuilder(checkpoint.directory() + " (" + checkpoint.layout() + "): "
                + problems.size() + " problem(s) with the weights:");
        for (String p : problems.subList(0, Math.min(LISTED_PROBLEMS, problems.size()))) {
            m.append("\n  ").append(p);
        }
        if (problems.size() > LISTED_PROBLEMS) {
            m.append("\n  ... and ").append(problems.size() - LISTED_PROBLEMS).append(" more");
        }
        throw new CheckpointException(m.toString());
    }

    /**
     * The checkpoint's {@code tokenizer.json}, checked to be present and readable as a Hugging Face
     * tokenizer file (a JSON object with a {@code model}); cheap, so callers can check before they write
     * anything.
     *
     * @throws CheckpointException naming the file and the problem
     */
    public static Path validateTokenizer(Checkpoint checkpoint) {
        Path file = checkpoint
                .tokenizerJson()
                .orElseThrow(
                        () -> new CheckpointException(checkpoint.directory().resolve("tokenizer.json")
                                + ": missing (the Hugging Face fast tokenizer file is needed; convert with"
                                + " transformers' AutoTokenizer.save_pretrained)"));
        JsonNode root;
        try {
            root = ConfigJson.JSON.readTree(file.toFile());
        } catch (JsonProcessingException e) {
            throw ConfigJson.invalidJson(file, e);
        } catch (IOException e) {
            throw new CheckpointException(file + ": cannot read: " + e.getMessage(), e);
        }
        if (root == null || !root.path("model").isObject()) {
            throw new CheckpointException(file + ": not a Hugging Face tokenizer file (no 'model' object)");
        }
        return file;
    }

    // ---- small things

    private static Optional<Path> existing(Path p) {
        return Files.isRegularFile(p) ? Optional.of(p) : Optional.empty();
    }

    private static void closeQuietly(TensorSource s) {
        try {
            s.close();
        } catch (IOException | RuntimeException ignored) {
            // Already failing; the original error is the one to report.
        }
    }
}
