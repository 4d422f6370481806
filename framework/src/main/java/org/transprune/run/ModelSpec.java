package org.transprune.run;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.transprune.checkpoint.CheckpointFingerprint;
import org.transprune.config.LlavaConfig;
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
 * @param imageTokens image tokens one image contributes (0 when {@code config} is null)
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
        int imageTokens) {

    /** Options for {@link LlavaPipeline#open}. */
    public LlavaPipeline.Options pipelineOptions() {
        return new LlavaPipeline.Options(device, weights, template, visionTower).withDtype(dtype);
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
        if (visionTower != null) {
            m.put(
                    "vision_tower",
                    Files.isDirectory(visionTower) ? CheckpointFingerprint.of(visionTower) : visionTower.toString());
        }
        return m;
    }
}
