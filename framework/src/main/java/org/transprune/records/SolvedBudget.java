package org.transprune.records;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;

/**
 * How a configuration's budget parameter was solved to meet a stated budget (docs/method.md#budgets), as
 * {@code plan.json} and summaries record it.
 *
 * @param measure {@code tflops_ratio} or {@code tokens}
 * @param target the budget as written
 * @param parameter the strategy's budget parameter that was solved
 * @param achieved the budget figure of the solved configuration (the nearest the parameter can reach)
 * @param reachable the lowest and highest figure the parameter can reach on the model
 * @param imageTokens the nominal image-token count N the budget was solved on
 */
@JsonPropertyOrder({"measure", "target", "parameter", "achieved", "reachable", "image_tokens"})
public record SolvedBudget(
        String measure, double target, String parameter, double achieved, List<Double> reachable, int imageTokens) {
    public SolvedBudget {
        reachable = List.copyOf(reachable);
    }
}
