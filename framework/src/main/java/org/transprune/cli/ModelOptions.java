package org.transprune.cli;

import java.nio.file.Path;
import org.transprune.model.WeightPolicy;
import org.transprune.pipeline.LlavaPipeline;
import picocli.CommandLine.Option;

/** Options shared by every command that loads a model. */
public final class ModelOptions {
    @Option(
            names = "--model",
            required = true,
            paramLabel = "DIR",
            description = "checkpoint directory (llava-hf or original LLaVA layout)")
    Path model;

    @Option(
            names = "--vision-tower",
            paramLabel = "DIR",
            description = "CLIP tower directory for original-layout checkpoints whose mm_vision_tower is a hub name")
    Path visionTower;

    @Option(names = "--device", defaultValue = "auto", description = "cpu, gpu or auto (default: ${DEFAULT-VALUE})")
    String device;

    @Option(
            names = "--weights",
            defaultValue = "auto",
            description = "decoder weight storage: fp32, half (widened per layer) or auto (default: ${DEFAULT-VALUE})")
    String weights;

    @Option(
            names = "--resident-layers",
            paramLabel = "N",
            description = "with half (or auto choosing half): keep the last N decoder layers in fp32 for good;"
                    + " faster decoding for 4 bytes per weight of memory (default: half none, auto plans it)")
    Integer residentLayers;

    @Option(
            names = "--template",
            defaultValue = "vicuna_v1",
            description = "conversation template (default: ${DEFAULT-VALUE})")
    String template;

    @Option(
            names = "--threads",
            paramLabel = "N",
            description = "libtorch intra-op threads (default: all cores); 1 is faster on a busy machine")
    Integer threads;

    /** Applies the thread setting; must run before the engine starts. */
    public void applyThreads() {
        if (threads != null) {
            if (threads < 1) {
                throw new UserError("--threads must be at least 1, got " + threads);
            }
            System.setProperty("ai.djl.pytorch.num_threads", String.valueOf(threads));
            System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        }
    }

    public LlavaPipeline.Options pipelineOptions() {
        return new LlavaPipeline.Options(device, WeightPolicy.parse(weights), template, visionTower, residentLayers);
    }

    public LlavaPipeline open() {
        applyThreads();
        return LlavaPipeline.open(model, pipelineOptions());
    }
}
