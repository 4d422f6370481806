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
 * @param budgetTokens the token budget of the schedule ({@link org.transprune.cost.TokenBudget}), or null when
 *     unknown (records written before it: the average retained tokens then stand for it)
 * @param budget how the budget parameter was solved from a stated budget, or null when the parameters were written
 */
@JsonPropertyOrder({
    "strategy",
    "label",
    "code",
    "parameters",
    "seed",
    "max_new_tokens",
    "model",
    "tflops",
    "flops_ratio",
    "avg_retained_tokens",
    "kv_cache_mib",
    "schedule",
    "budget_tokens",
    "budget"
})
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Configuration(
        String strategy,
        String label,
        Code code,
        JsonNode parameters,
        long seed,
        int maxNewTokens,
        JsonNode model,
        Double tflops,
        Double flopsRatio,
        Double avgRetainedTokens,
        Double kvCacheMib,
        String schedule,
        Double budgetTokens,
        SolvedBudget budget) {

    /** A configuration recorded without its budget figures. */
    public Configuration(
            String strategy,
            String label,
            Code code,
            JsonNode parameters,
            long seed,
            int maxNewTokens,
            JsonNode model,
            Double tflops,
            Double flopsRatio,
            Double avgRetainedTokens,
            Double kvCacheMib,
            String schedule) {
        this(
                strategy,
                label,
                code,
                parameters,
                seed,
                maxNewTokens,
                model,
                tflops,
                flopsRatio,
                avgRetainedTokens,
                kvCacheMib,
                schedule,
                null,
                null);
    }

    /** The token budget: {@link #budgetTokens()}, else the average retained tokens (in-LLM schedules), else null. */
    public Double tokens() {
        return budgetTokens != null ? budgetTokens : avgRetainedTokens;
    }
}
