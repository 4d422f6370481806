package org.transprune.run;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;
import org.transprune.checkpoint.Checkpoint;
import org.transprune.checkpoint.Checkpoints;
import org.transprune.checkpoint.QwenCheckpoint;
import org.transprune.checkpoint.QwenCheckpoints;
import org.transprune.config.LlavaConfig;
import org.transprune.config.ModelPresets;
import org.transprune.config.QwenConfig;
import org.transprune.config.QwenPresets;
import org.transprune.image.AnyResRules;
import org.transprune.image.QwenImageProcessor;
import org.transprune.model.ComputeDtype;
import org.transprune.model.WeightPolicy;
import org.transprune.text.ChatTemplate;

/**
 * The {@code model:} section: device, weights, dtype, template, threads, LLaVA-NeXT's rule set
 * ({@code anyres:}) and sequence cut ({@code max_length_cut:}), and the architecture, from the
 * checkpoint (opened, validated, its tokenizer loaded) or from a preset.
 */
final class ModelSection {
    static final Set<String> KEYS = Set.of(
            "path",
            "preset",
            "device",
            "weights",
            "dtype",
            "template",
            "vision_tower",
            "threads",
            "anyres",
            "max_length_cut",
            "max_pixels");
    private static final String DEFAULT_TEMPLATE = "vicuna_v1";

    private final YamlChecks checks;

    ModelSection(YamlChecks checks) {
        this.checks = checks;
    }

    ModelSpec read(YamlValue.Mapping doc) {
        YamlValue v = doc.get("model");
        if (v == null) {
            checks.problem(doc.file(), 0, "model", "missing: give model.path (a checkpoint directory) or model.preset");
            return unknown();
        }
        if (!(v instanceof YamlValue.Mapping m)) {
            checks.problem(v, "model", "must be a mapping (path:, preset:, device:, ...), got " + v.kind());
            return unknown();
        }
        checks.unknownKeys(m, "model", KEYS);
        String device = checks.string(m, "device", "model.device", "auto");
        if (device != null && !Set.of("cpu", "gpu", "cuda", "auto").contains(device.toLowerCase(Locale.ROOT))) {
            checks.problem(m.get("device"), "model.device", "must be cpu, gpu or auto, got '" + device + "'");
        }
        WeightPolicy weights = WeightPolicy.AUTO;
        String w = checks.string(m, "weights", "model.weights", "auto");
        try {
            weights = WeightPolicy.parse(w == null ? "auto" : w);
        } catch (IllegalArgumentException e) {
            checks.problem(m.get("weights"), "model.weights", e.getMessage());
        }
        ComputeDtype dtype = ComputeDtype.AUTO;
        String dt = checks.string(m, "dtype", "model.dtype", "auto");
        try {
            dtype = ComputeDtype.parse(dt == null ? "auto" : dt);
        } catch (IllegalArgumentException e) {
            checks.problem(m.get("dtype"), "model.dtype", e.getMessage());
        }
        String template = checks.string(m, "template", "model.template", DEFAULT_TEMPLATE);
        try {
            ChatTemplate.named(template == null ? DEFAULT_TEMPLATE : template);
        } catch (IllegalArgumentException e) {
            checks.problem(m.get("template"), "model.template", e.getMessage());
        }
        Integer threads = checks.atLeast(m.get("threads"), "model.threads", null, 1);
        AnyResRules anyRes = null;
        String ar = checks.string(m, "anyres", "model.anyres", null);
        if (ar != null) {
            try {
                anyRes = AnyResRules.parse(ar);
            } catch (IllegalArgumentException e) {
                checks.problem(m.get("anyres"), "model.anyres", e.getMessage());
            }
        }
        Integer maxLengthCut = checks.atLeast(m.get("max_length_cut"), "model.max_length_cut", null, 1);
        Integer maxPixels = checks.atLeast(m.get("max_pixels"), "model.max_pixels", null, 784);
        String preset = checks.string(m, "preset", "model.preset", null);
        LlavaConfig config = null;
        QwenConfig qwen = null;
        int imageTokens = 0;
        if (preset != null && QwenPresets.has(preset)) {
            qwen = QwenPresets.get(preset).config();
        } else if (preset != null) {
            try {
                ModelPresets.Preset p = ModelPresets.get(preset);
                config = p.config();
                imageTokens = p.imageTokens();
            } catch (IllegalArgumentException e) {
                checks.problem(m.get("preset"), "model.preset", e.getMessage());
            }
        }
        // Without weights a dry run can still price every configuration from the preset.
        boolean pathOptional = checks.dryRun() && (config != null || qwen != null);
        Path visionTower = m.get("vision_tower") == null
                ? null
                : checks.path(m.get("vision_tower"), "model.vision_tower", pathOptional);
        Path path = null;
        if (m.get("path") != null) {
            path = checks.path(m.get("path"), "model.path", pathOptional);
            if (path != null && isQwen(m.get("path"), path)) {
                QwenConfig fromCheckpoint = qwenCheckpointConfig(m.get("path"), path, pathOptional);
                if (fromCheckpoint != null) {
                    config = null;
                    qwen = fromCheckpoint;
                } else {
                    path = null;
                }
            } else if (path != null) {
                LlavaConfig fromCheckpoint = checkpointConfig(m.get("path"), path, visionTower, pathOptional);
                if (fromCheckpoint != null) {
                    config = fromCheckpoint;
                    imageTokens = nominalImageTokens(fromCheckpoint);
                } else {
                    path = null;
                }
            }
        } else if (preset == null) {
            checks.problem(m.file(), m.line(), "model", "give model.path (a checkpoint directory) or model.preset");
        } else if (!checks.dryRun()) {
            checks.problem(
                    m.get("preset"),
                    "model.path",
                    "missing: a preset gives only the model's shape (enough for"
                            + " --dry-run); running needs the checkpoint directory");
        }
        if (anyRes != null && config != null && !config.isAnyRes()) {
            checks.problem(
                    m.get("anyres"),
                    "model.anyres",
                    "the model is not LLaVA-NeXT (no AnyRes image_grid_pinpoints); remove the key");
        }
        if (qwen != null) {
            // priced at the most image tokens max_pixels allows; each sample's own count is recorded with it
            imageTokens = (maxPixels == null ? QwenImageProcessor.CPU_MAX_PIXELS : maxPixels) / (28 * 28);
        } else if (maxPixels != null) {
            checks.problem(
                    m.get("max_pixels"), "model.max_pixels", "applies to Qwen2.5-VL models only; remove the key");
        }
        return new ModelSpec(
                path,
                preset,
                device == null ? "auto" : device,
                weights,
                dtype,
                template == null ? DEFAULT_TEMPLATE : template,
                visionTower,
                threads,
                config,
                imageTokens,
                anyRes,
                maxLengthCut,
                qwen,
                maxPixels);
    }

    /** Whether the directory's config.json names Qwen2.5-VL (false, with the LLaVA reader to report, if unreadable). */
    private static boolean isQwen(YamlValue where, Path dir) {
        try {
            return QwenCheckpoints.isQwen(dir);
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** A Qwen2.5-VL checkpoint's architecture after the same checks as {@link #checkpointConfig}. */
    private QwenConfig qwenCheckpointConfig(YamlValue where, Path dir, boolean asWarning) {
        try (QwenCheckpoint c = QwenCheckpoints.open(dir)) {
            QwenCheckpoints.validate(c);
            try {
                QwenCheckpoints.validateTokenizer(c);
            } catch (RuntimeException e) {
                checks.report(
                        asWarning || checks.dryRun(), where.file(), where.line(), "model.path", YamlChecks.oneLine(e));
            }
            return c.config();
        } catch (Exception e) {
            checks.report(asWarning, where.file(), where.line(), "model.path", YamlChecks.oneLine(e));
            return null;
        }
    }

    /**
     * Image tokens one image contributes under the cost convention: the single view's count, or under
     * AnyRes the base view plus the most tiles a pinpoint holds, 576 each (2,880 for the standard
     * pinpoints, the figure the NeXT presets and the pruning papers use; newlines and unpadding left
     * out). Each sample's own count is recorded with it.
     */
    static int nominalImageTokens(LlavaConfig config) {
        if (!config.isAnyRes()) {
            return config.imageTokens();
        }
        int tile = config.vision().imageSize();
        int tiles = 0;
        for (int[] p : config.anyRes().pinpoints()) {
            tiles = Math.max(tiles, (p[0] / tile) * (p[1] / tile));
        }
        return (1 + tiles) * config.imageTokens();
    }

    private static ModelSpec unknown() {
        return new ModelSpec(
                null,
                null,
                "auto",
                WeightPolicy.AUTO,
                ComputeDtype.AUTO,
                DEFAULT_TEMPLATE,
                null,
                null,
                null,
                0,
                null,
                null,
                null,
                null);
    }

    /**
     * The checkpoint's architecture after checking that it opens, holds every tensor and has a
     * loadable tokenizer; null (with a problem, or a warning when {@code asWarning}) when it does not.
     */
    private LlavaConfig checkpointConfig(YamlValue where, Path dir, Path visionTower, boolean asWarning) {
        try (Checkpoint c = Checkpoints.open(dir, visionTower)) {
            Checkpoints.validate(c);
            try {
                Checkpoints.validateTokenizer(c);
            } catch (RuntimeException e) {
                // A dry run only prices the plan; it needs no tokenizer.
                checks.report(
                        asWarning || checks.dryRun(), where.file(), where.line(), "model.path", YamlChecks.oneLine(e));
            }
            return c.config();
        } catch (Exception e) {
            checks.report(asWarning, where.file(), where.line(), "model.path", YamlChecks.oneLine(e));
            return null;
        }
    }
}
