package org.transprune.run;

import java.util.Arrays;
import java.util.List;
import org.transprune.cost.TokenBudget;
import org.transprune.records.Code;
import org.transprune.records.Configuration;
import org.transprune.records.Records;

/**
 * A {@link RunConfiguration} as the records ({@link org.transprune.records.SummaryRecord}) and {@code plan.json} write
 * it. The schema of {@code results.jsonl} itself is in {@link org.transprune.records}.
 */
public final class RunRecords {
    private RunRecords() {}

    /** The configuration as written in summaries and plans. */
    public static Configuration configuration(RunConfiguration c) {
        return new Configuration(
                c.strategy(),
                c.label(),
                code(c),
                Records.MAPPER.valueToTree(c.plainParameters()),
                c.seed(),
                c.maxNewTokens(),
                Records.MAPPER.valueToTree(c.model()),
                c.cost() == null ? null : c.cost().tflops(),
                c.cost() == null ? null : c.cost().flopsRatio(),
                c.cost() == null ? null : c.cost().averageRetainedTokens(),
                c.cost() == null ? null : c.cost().kvCacheMiB(),
                c.cost() == null ? null : c.cost().schedule().describe(),
                c.cost() == null ? null : TokenBudget.of(c.cost()),
                c.budget());
    }

    /** The configuration's strategy code as records write it, or null when unknown. */
    public static Code code(RunConfiguration c) {
        return c.code() == null
                ? null
                : new Code(c.code().name(), c.code().version(), c.code().digest());
    }

    /** {@code values} as a list (NaN kept: the schema writes it as null). */
    static List<Double> list(double[] values) {
        return Arrays.stream(values).boxed().toList();
    }
}
