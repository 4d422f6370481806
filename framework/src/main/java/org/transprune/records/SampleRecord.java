package org.transprune.records;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import java.util.List;

/**
 * One answered (or skipped) question of one configuration: a {@code "sample"} line of {@code results.jsonl}.
 *
 * @param type always {@value #TYPE}
 * @param config the configuration's hash
 * @param benchmark the benchmark's label
 * @param sample the question's key (what resume and sharding identify work by)
 * @param questionId the question's id as the question file writes it (number or text)
 * @param strategy the strategy's registry name
 * @param category the question's category, or null
 * @param skipped why the sample could not be run (e.g. an unreadable image under {@code on_error: skip}), else null;
 *     a skipped record has no answer fields
 * @param answer the generated answer
 * @param correct whether the answer is right, or null when the benchmark is scored only in aggregate
 * @param promptTokens prompt length in tokens, image tokens included
 * @param imageTokens image tokens in the prompt: this sample's own N (it varies per image under
 *     LLaVA-NeXT's AnyRes)
 * @param generatedTokens tokens generated
 * @param tokensPerLayer sequence length each decoder layer saw in prefill
 * @param kvCacheTokens tokens held in the KV cache, summed over layers
 * @param stageLayers the layers after which each pruning stage ran ({@code stage_layers})
 * @param keptPatches per stage, the image patches kept, as indices into this sample's image block (0..N-1;
 *     LLaVA-NeXT: base view, tiles and newlines, in prompt order); every benchmark since the positional-bias report
 *     (docs/method.md#positional-bias), before that only benchmarks with ground-truth regions; absent when nothing
 *     was pruned (an empty list on benchmarks with ground-truth regions)
 * @param relevantPatches the patches that hold the question's answer (ground-truth regions only),
 *     indices of the same kind
 * @param recall per stage, the share of relevant patches kept; NaN where the question has none
 * @param imageMs time to load and encode the image (or only to upload cached embeddings)
 * @param imageCached the image's embeddings came from the run's cache
 * @param prefillMs prefill time
 * @param scoringMs time the strategy spent scoring tokens
 * @param decodeMs decode time
 * @param provenance where the record came from
 * @param tflops theoretical prefill TFLOPs of this sample's image tokens under its schedule (paper
 *     convention, docs/method.md#cost), at its own N; null without an image
 * @param flopsRatio {@code tflops} over the same sample unpruned
 * @param avgRetainedTokens this sample's image tokens per decoder layer, averaged over layers
 * @param kvCacheMib KV cache of this sample's image tokens in MiB at fp16
 */
@JsonPropertyOrder({
    "type",
    "config",
    "benchmark",
    "sample",
    "question_id",
    "strategy",
    "category",
    "skipped",
    "answer",
    "correct",
    "prompt_tokens",
    "image_tokens",
    "generated_tokens",
    "tokens_per_layer",
    "kv_cache_tokens",
    "tflops",
    "flops_ratio",
    "avg_retained_tokens",
    "kv_cache_mib",
    "stage_layers",
    "kept_patches",
    "relevant_patches",
    "recall",
    "image_ms",
    "image_cached",
    "prefill_ms",
    "scoring_ms",
    "decode_ms",
    "provenance"
})
@JsonInclude(JsonInclude.Include.NON_NULL)
public record SampleRecord(
        String type,
        String config,
        String benchmark,
        String sample,
        @JsonInclude(JsonInclude.Include.ALWAYS) JsonNode questionId,
        String strategy,
        @JsonInclude(JsonInclude.Include.ALWAYS) String category,
        String skipped,
        String answer,
        @JsonInclude(JsonInclude.Include.ALWAYS) Boolean correct,
        Integer promptTokens,
        Integer imageTokens,
        Integer generatedTokens,
        int[] tokensPerLayer,
        Long kvCacheTokens,
        int[] stageLayers,
        List<int[]> keptPatches,
        int[] relevantPatches,

        @JsonSerialize(using = NanAsNull.ListWriter.class) @JsonDeserialize(using = NanAsNull.ListReader.class)
        List<Double> recall,

        @Volatile Double imageMs,
        @Volatile Boolean imageCached,
        @Volatile Double prefillMs,
        @Volatile Double scoringMs,
        @Volatile Double decodeMs,
        RecordProvenance provenance,
        Double tflops,
        Double flopsRatio,
        Double avgRetainedTokens,
        Double kvCacheMib)
        implements RunRecord {
    public static final String TYPE = "sample";

    /** A record without its own cost figures. */
    public SampleRecord(
            String type,
            String config,
            String benchmark,
            String sample,
            JsonNode questionId,
            String strategy,
            String category,
            String skipped,
            String answer,
            Boolean correct,
            Integer promptTokens,
            Integer imageTokens,
            Integer generatedTokens,
            int[] tokensPerLayer,
            Long kvCacheTokens,
            int[] stageLayers,
            List<int[]> keptPatches,
            int[] relevantPatches,
            List<Double> recall,
            Double imageMs,
            Boolean imageCached,
            Double prefillMs,
            Double scoringMs,
            Double decodeMs,
            RecordProvenance provenance) {
        this(
                type,
                config,
                benchmark,
                sample,
                questionId,
                strategy,
                category,
                skipped,
                answer,
                correct,
                promptTokens,
                imageTokens,
                generatedTokens,
                tokensPerLayer,
                kvCacheTokens,
                stageLayers,
                keptPatches,
                relevantPatches,
                recall,
                imageMs,
                imageCached,
                prefillMs,
                scoringMs,
                decodeMs,
                provenance,
                null,
                null,
                null,
                null);
    }

    /** This record with the theoretical cost of its own prefill (its image-token count under its schedule). */
    public SampleRecord withCost(Double tflops, Double flopsRatio, Double avgRetainedTokens, Double kvCacheMib) {
        return new SampleRecord(
                type,
                config,
                benchmark,
                sample,
                questionId,
                strategy,
                category,
                skipped,
                answer,
                correct,
                promptTokens,
                imageTokens,
                generatedTokens,
                tokensPerLayer,
                kvCacheTokens,
                stageLayers,
                keptPatches,
                relevantPatches,
                recall,
                imageMs,
                imageCached,
                prefillMs,
                scoringMs,
                decodeMs,
                provenance,
                tflops,
                flopsRatio,
                avgRetainedTokens,
                kvCacheMib);
    }

    /** A record of a sample that could not be run, and why. */
    public static SampleRecord skipped(
            String config,
            String benchmark,
            String sample,
            JsonNode questionId,
            String strategy,
            String category,
            String why,
            RecordProvenance provenance) {
        return new SampleRecord(
                TYPE,
                config,
                benchmark,
                sample,
                questionId,
                strategy,
                category,
                why,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                provenance);
    }

    /** Whether the sample was skipped (no answer); not named isSkipped, which would shadow the field. */
    public boolean wasSkipped() {
        return skipped != null;
    }

    /** The unit of work this record completes. */
    public String unitKey() {
        return Records.unitKey(config, benchmark, sample);
    }
}
