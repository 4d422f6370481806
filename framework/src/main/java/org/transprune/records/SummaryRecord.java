package org.transprune.records;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import java.util.List;
import java.util.Map;

/**
 * One configuration on one benchmark once all its samples are recorded: a {@code "summary"} line of
 * {@code results.jsonl}, built from the sample records alone.
 *
 * @param type always {@value #TYPE}
 * @param configuration the configuration with its theoretical cost
 * @param samples sample records summarised (skipped ones included)
 * @param skipped samples skipped
 * @param headline the benchmark's headline metric
 * @param metrics the benchmark's metrics in its order (NaN where undefined), e.g. {@code accuracy}, {@code
 *     accuracy/color}
 * @param notes the scorer's notes, or null
 * @param scoreError why scoring failed, or null
 * @param scoringIssues data problems met while scoring, or null when none
 * @param judged samples with a per-sample verdict, or null when none
 * @param correct of those, the right ones
 * @param tflops theoretical prefill TFLOPs (also in the configuration); for a LLaVA-NeXT (AnyRes) model,
 *     whose image-token count varies per sample, the mean of the samples' own figures (samples with an
 *     image); likewise the three figures below
 * @param flopsRatio TFLOPs relative to the unpruned model (AnyRes: mean of the samples' ratios)
 * @param avgRetainedTokens image tokens per layer, averaged over layers
 * @param kvCacheMib image tokens' KV cache in MiB (fp16)
 * @param prefillMsMean measured prefill time, mean (NaN without samples)
 * @param prefillMsMedian measured prefill time, median
 * @param agreementWith the unpruned configuration compared with, or null
 * @param agreement share of samples answered identically by it (NaN when none to compare)
 * @param recall per question category (and {@code all}), the mean selection recall of each pruning stage; only for
 *     benchmarks with ground-truth regions
 * @param provenance where the summary came from
 * @param imageTokensMean mean image-token count of the answered samples with an image (constant for
 *     LLaVA-1.5, per image under LLaVA-NeXT's AnyRes), or null when none had an image
 */
@JsonPropertyOrder({
    "type",
    "config",
    "benchmark",
    "configuration",
    "samples",
    "skipped",
    "headline",
    "metrics",
    "notes",
    "score_error",
    "scoring_issues",
    "judged",
    "correct",
    "tflops",
    "flops_ratio",
    "avg_retained_tokens",
    "kv_cache_mib",
    "prefill_ms_mean",
    "prefill_ms_median",
    "agreement_with",
    "agreement",
    "recall",
    "image_tokens_mean",
    "provenance"
})
@JsonInclude(JsonInclude.Include.NON_NULL)
public record SummaryRecord(
        String type,
        String config,
        String benchmark,
        Configuration configuration,
        int samples,
        int skipped,
        String headline,

        @JsonSerialize(contentUsing = NanAsNull.Writer.class) @JsonDeserialize(contentUsing = NanAsNull.Reader.class)
        Map<String, Double> metrics,

        List<String> notes,
        String scoreError,
        Integer scoringIssues,
        Integer judged,
        Integer correct,
        Double tflops,
        Double flopsRatio,
        Double avgRetainedTokens,
        Double kvCacheMib,

        @Volatile @JsonSerialize(using = NanAsNull.Writer.class) @JsonDeserialize(using = NanAsNull.Reader.class)
        Double prefillMsMean,

        @Volatile @JsonSerialize(using = NanAsNull.Writer.class) @JsonDeserialize(using = NanAsNull.Reader.class)
        Double prefillMsMedian,

        String agreementWith,

        @JsonSerialize(using = NanAsNull.Writer.class) @JsonDeserialize(using = NanAsNull.Reader.class)
        Double agreement,

        @JsonSerialize(contentUsing = NanAsNull.ListWriter.class)
        @JsonDeserialize(contentUsing = NanAsNull.ListReader.class)
        Map<String, List<Double>> recall,

        RecordProvenance provenance,

        @JsonSerialize(using = NanAsNull.Writer.class) @JsonDeserialize(using = NanAsNull.Reader.class)
        Double imageTokensMean)
        implements RunRecord {
    public static final String TYPE = "summary";

    /** A summary without the mean image-token count. */
    public SummaryRecord(
            String type,
            String config,
            String benchmark,
            Configuration configuration,
            int samples,
            int skipped,
            String headline,
            Map<String, Double> metrics,
            List<String> notes,
            String scoreError,
            Integer scoringIssues,
            Integer judged,
            Integer correct,
            Double tflops,
            Double flopsRatio,
            Double avgRetainedTokens,
            Double kvCacheMib,
            Double prefillMsMean,
            Double prefillMsMedian,
            String agreementWith,
            Double agreement,
            Map<String, List<Double>> recall,
            RecordProvenance provenance) {
        this(
                type,
                config,
                benchmark,
                configuration,
                samples,
                skipped,
                headline,
                metrics,
                notes,
                scoreError,
                scoringIssues,
                judged,
                correct,
                tflops,
                flopsRatio,
                avgRetainedTokens,
                kvCacheMib,
                prefillMsMean,
                prefillMsMedian,
                agreementWith,
                agreement,
                recall,
                provenance,
                null);
    }

    /** The headline metric's value, NaN when missing. */
    public double headlineValue() {
        Double v = metrics == null ? null : metrics.get(headline);
        return v == null ? Double.NaN : v;
    }

    /** Samples answered (not skipped). */
    public int answered() {
        return samples - skipped;
    }
}
