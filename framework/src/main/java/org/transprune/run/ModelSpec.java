package org.transprune.run;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.transprune.checkpoint.CheckpointFingerprint;
import org.transprune.config.LlavaConfig;
import org.transprune.config.QwenConfig;
import org.transprune.config.TextConfig;
import org.transprune.image.AnyResRules;
import org.transprune.image.QwenImageProcessor;
import org.transprune.model.ComputeDtype;
import org.transprune.model.DeviceChoice;
import org.transprune.model.WeightPolicy;
import org.transprune.pipeline.LlavaPipeline;

/**
 * The {@code model:} section of an experiment file.
 *
 * @param path checkpoint directory, or null when only a preset is given (dry runs)
 * @param preset a {@link org.transprune.config.ModelPresets} name, or null
 * @param device cpu, gpu or auto
 * @param weights decoder weight storage
 * @param dtype compute precision (fp32, fp16, or auto: fp16 on a GPU, fp32 on a CPU)
 * @param template chat template name
 * @param visionTower CLIP directory for original-layout checkpoints, or null
 * @param threads libtorch intra-op threads, or null for the engine's default
 * @param config the architecture (from the checkpoint's config.json, else the preset), or null
 *     when neither could be read
 * @param imageTokens image tokens one image contributes (0 when {@code config} is null); under
 *     LLaVA-NeXT's AnyRes the count of a typical image (the preset's figure or the base view's share),
 *     each sample's own count being recorded with it
 * @param anyRes LLaVA-NeXT's rule set as the file gives it ({@code anyres:}), or null for the
 *     checkpoint layout's own
 * @param maxLengthCut the original code's cut of every sequence to its first tokens
 *     ({@code max_length_cut:}), or null for none
 * @param qwen the architecture of a Qwen2.5-VL model (then {@code config} is null), or null
 * @param maxPixels Qwen2.5-VL's image {@code max_pixels} ({@code max_pixels:}), or null for the project's
 *     default (docs/qwen2.5-vl.md)
 */
public record ModelSpec(
        Path path,
        String preset,
        String device,
        WeightPolicy weights,
        ComputeDtype dtype,
        String template,
        Path visionTower,
        Integer threads,
        LlavaConfig config,
        int imageTokens,
        AnyResRules anyRes,
        Integer maxLengthCut,
        QwenConfig qwen,
        Integer maxPixels) {

    /** The decoder's shape, of either family; null when the architecture is unknown. */
    public TextConfig text() {
        return config != null ? config.text() : qwen != null ? qwen.text() : null;
    }

    /** A model section without LLaVA-NeXT options (the checkpoint's own rule set, no sequence cut). */
    public ModelSpec(
            Path path,
            String preset,
            String device,
            WeightPolicy weights,
            ComputeDtype dtype,
            String template,
            Path visionTower,
            Integer threads,
            LlavaConfig config,
            int imageTokens) {
        this(
                path,
                preset,
                device,
                weights,
                dtype,
                template,
                visionTower,
                threads,
                config,
                imageTokens,
                null,
                null,
                null,
                null);
    }

    /** Options for {@link LlavaPipeline#open}. */
    public LlavaPipeline.Options pipelineOptions() {
        return new LlavaPipeline.Options(device, weights, template, visionTower)
                .withDtype(dtype)
                .withAnyRes(anyRes)
                .withMaxLengthCut(maxLengthCut);
    }

    /**
     * The AnyRes rule set the model runs under: the file's {@code anyres:}, else the checkpoint
     * layout's own; null for a single-view model (LLaVA-1.5) or an unknown architecture.
     */
    public AnyResRules effectiveAnyRes() {
        if (config == null || !config.isAnyRes()) {
            return null;
        }
        return anyRes != null ? anyRes : AnyResRules.parse(config.anyRes().rules());
    }

    /**
     * What identifies the model in a configuration hash: the checkpoint's content
     * ({@link CheckpointFingerprint}, or the preset when there is no checkpoint) and the template,
     * which change answers. Device, threads, weight storage and where the checkpoint lies are left
     * out on purpose: they are execution choices (recorded in provenance) that give the same answers
     * (fp32 and half storage compute in fp32 from the same values, bit for bit), so shards on
     * different nodes, a resumed run on another machine and a fresh clone of a repository with
     * committed results share hashes. A path that cannot be read (a dry run before download) is
     * identified by its name. fp16 compute changes answers, so it enters the identity whenever it is
     * known from the file ({@code dtype: fp16}, or {@code auto} on {@code device: gpu}); fp32 adds
     * nothing, so fp32 hashes are those of files without the key. {@code auto} on {@code device: auto}
     * is decided per node (docs/gpu.md: pin the dtype when shards may land on CPUs and GPUs).
     */
    public Map<String, Object> identity() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put(
                "checkpoint",
                path == null
                        ? "preset:" + preset
                        : Files.isDirectory(path) ? CheckpointFingerprint.of(path) : path.toString());
        if (dtype == ComputeDtype.FP16
                || (dtype == ComputeDtype.AUTO && DeviceChoice.parse(device) == DeviceChoice.GPU)) {
            m.put("dtype", "fp16");
        }
        m.put("template", template);
        // LLaVA-NeXT only: the rule set and the cut change image-token counts, hence answers
        AnyResRules rules = effectiveAnyRes();
        if (rules != null) {
            m.put("anyres", rules.key());
        }
        if (maxLengthCut != null) {
            m.put("max_length_cut", maxLengthCut);
        }
        // Qwen2.5-VL only: max_pixels sets image-token counts, hence answers
        if (qwen != null) {
            m.put("max_pixels", maxPixels == null ? QwenImageProcessor.CPU_MAX_PIXELS : maxPixels);
        }
        if (visionTower != null) {
            m.put(
                    "vision_tower",
                    Files.isDirectory(visionTower) ? CheckpointFingerprint.of(visionTower) : visionTower.toString());
        }
        return m;
    }
}
