package org.transprune.cli;

import java.nio.file.Path;
import org.transprune.checkpoint.QwenCheckpoints;
import org.transprune.image.AnyResRules;
import org.transprune.model.ComputeDtype;
import org.transprune.model.DeviceChoice;
import org.transprune.model.EngineSettings;
import org.transprune.model.WeightPolicy;
import org.transprune.pipeline.AnsweringPipeline;
import org.transprune.pipeline.LlavaPipeline;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Options shared by every command that loads a model. */
public final class ModelOptions {
    @Option(
            names = "--model",
            required = true,
            paramLabel = "DIR",
            description = "checkpoint directory (llava-hf, original LLaVA or Qwen2.5-VL layout)")
    Path model;

    @Option(
            names = "--vision-tower",
            paramLabel = "DIR",
            description = "CLIP tower directory for original-layout checkpoints whose mm_vision_tower is a hub name")
    Path visionTower;

    @Option(
            names = "--template",
            defaultValue = "vicuna_v1",
            description = "conversation template (default: ${DEFAULT-VALUE})")
    String template;

    @Option(
            names = "--max-pixels",
            paramLabel = "P",
            description = "Qwen2.5-VL checkpoints: the image processor's max_pixels (default: 451584, at most 576"
                    + " image tokens; the checkpoints' own 12845056 is meant for GPUs)")
    Integer maxPixels;

    @Option(
            names = "--anyres",
            paramLabel = "RULES",
            description = "LLaVA-NeXT only: read images under Hugging Face's rules (hf) or the original LLaVA"
                    + " code's (llava); default: the checkpoint layout's own (docs/llava-next.md)")
    String anyRes;

    @Option(
            names = "--max-length-cut",
            paramLabel = "N",
            description = "cut every sequence (text and image tokens) to its first N tokens, as the original LLaVA"
                    + " code does at tokenizer_model_max_length; default: no cut, a prompt past the model's"
                    + " context is an error")
    Integer maxLengthCut;

    @Mixin
    Engine engine;

    /** Where and how the engine runs a model: device, weight storage, compute dtype, threads; {@code bench} uses these alone. */
    public static final class Engine {
        @Option(names = "--device", defaultValue = "auto", description = "cpu, gpu or auto (default: ${DEFAULT-VALUE})")
        DeviceChoice device;

        @Option(
                names = "--weights",
                defaultValue = "auto",
                description =
                        "decoder weight storage: fp32, half (widened per layer) or auto (default: ${DEFAULT-VALUE})")
        WeightPolicy weights;

        @Option(
                names = "--dtype",
                defaultValue = "auto",
                description = "compute precision: fp32, fp16 (softmax, norms and TTV in fp32) or auto = fp16 on a GPU,"
                        + " fp32 on a CPU (default: ${DEFAULT-VALUE}); bf16 is not supported by DJL")
        ComputeDtype dtype;

        @Option(
                names = "--resident-layers",
                paramLabel = "N",
                description = "with half (or auto choosing half): keep the last N decoder layers in fp32 for good;"
                        + " faster decoding for 4 bytes per weight of memory (default: half none, auto plans it)")
        Integer residentLayers;

        @Option(
                names = "--threads",
                paramLabel = "N",
                description = "libtorch intra-op threads (default: all cores); 1 is faster on a busy machine")
        Integer threads;

        /** Applies the thread setting; must run before the engine starts. */
        public void applyThreads() {
            try {
                EngineSettings.configure(threads);
            } catch (IllegalArgumentException e) {
                throw new UserError("--" + e.getMessage());
            }
        }

        /** Pipeline options with these settings. */
        public LlavaPipeline.Options pipelineOptions(String template, Path visionTower) {
            return new LlavaPipeline.Options(device, weights, template, visionTower, residentLayers, dtype);
        }
    }

    /** Applies the thread setting; must run before the engine starts. */
    public void applyThreads() {
        engine.applyThreads();
    }

    public LlavaPipeline.Options pipelineOptions() {
        AnyResRules rules = null;
        if (anyRes != null) {
            try {
                rules = AnyResRules.parse(anyRes);
            } catch (IllegalArgumentException e) {
                throw new UserError("--anyres: " + e.getMessage());
            }
        }
        if (maxLengthCut != null && maxLengthCut < 1) {
            throw new UserError("--max-length-cut must be at least 1, got " + maxLengthCut);
        }
        return engine.pipelineOptions(template, visionTower).withAnyRes(rules).withMaxLengthCut(maxLengthCut);
    }

    /** Whether {@code --model} is a Qwen2.5-VL checkpoint (its config.json says so). */
    private boolean isQwen() {
        return QwenCheckpoints.isQwen(model);
    }

    /**
     * Opens {@code --model} as its {@code config.json} says (LLaVA-1.5, LLaVA-NeXT or Qwen2.5-VL), as the experiment
     * runner does ({@link AnsweringPipeline#open}); {@code --anyres} on a model that is not LLaVA-NeXT and
     * {@code --max-pixels} on one that is not Qwen2.5-VL are refused rather than ignored.
     */
    public AnsweringPipeline openAny() {
        applyThreads();
        boolean qwen = isQwen();
        if (!qwen && maxPixels != null) {
            throw new UserError("--max-pixels: " + model + " is not a Qwen2.5-VL checkpoint");
        }
        if (qwen && anyRes != null) {
            throw new UserError("--anyres: " + model + " is not a LLaVA-NeXT (AnyRes) checkpoint");
        }
        AnsweringPipeline p = AnsweringPipeline.open(model, pipelineOptions(), maxPixels);
        if (anyRes != null && !(p instanceof LlavaPipeline l && l.isAnyRes())) {
            p.close();
            throw new UserError("--anyres: " + model + " is not a LLaVA-NeXT (AnyRes) checkpoint");
        }
        return p;
    }

    /** Opens the model; {@code --anyres} on a model that is not LLaVA-NeXT is refused rather than ignored. */
    public LlavaPipeline open() {
        applyThreads();
        LlavaPipeline p = LlavaPipeline.open(model, pipelineOptions());
        if (anyRes != null && !p.isAnyRes()) {
            p.close();
            throw new UserError("--anyres: " + model + " is not a LLaVA-NeXT (AnyRes) checkpoint");
        }
        return p;
    }
}
