package org.transprune.records;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * A configuration as summaries and {@code plan.json} write it: strategy, label, parameters, seed, generation limit, the
 * model (checkpoint fingerprint, template, weights) and, when the model's shape is known, the theoretical cost.
 *
 * @param parameters the strategy's parameters as given (a JSON object, kept as written)
 * @param model the model's identity (a JSON object)
 * @param tflops theoretical prefill TFLOPs, or null when unknown
 * @param schedule the pruning schedule, e.g. {@code after [2, 3, 4]: 144 -> 126 -> 90 -> 18}, or null
 */
@JsonPropertyOrder({
    "strategy",
    "label",
    "parameters",
    "seed",
    "max_new_tokens",
    "model",
    "tflops",
    "flops_ratio",
    "avg_retained_tokens",
    "kv_cache_mib",
    "schedule"
})
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Configuration(
        String strategy,
        String label,
        JsonNode parameters,
        long seed,
        int maxNewTokens,
        JsonNode model,
        Double tflops,
        Double flopsRatio,
        Double avgRetainedTokens,
        Double kvCacheMib,
        String schedule) {}
